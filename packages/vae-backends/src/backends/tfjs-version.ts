// The tfjs release whose internals this package reads (see src/wasm/wasm-internals.ts), and the
// check that the installed packages are that release.
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { version_core } from '@tensorflow/tfjs-core';
import { BackendError } from '@vae/core';

/**
 * The tfjs version our wasm training kernels and cpu fixes were written and tested against: they
 * read members of the wasm and cpu backends that tfjs does not promise to keep.
 *
 * @category Backends
 */
export const TESTED_TFJS_VERSION = '4.22.0';

/**
 * The versions of the tfjs packages whose internals this package reads, as installed.
 *
 * @category Backends
 */
export interface TfjsVersions {
  /** `@tensorflow/tfjs-core`'s `version_core`. */
  core: string;
  /** `@tensorflow/tfjs-backend-wasm`'s `version_wasm`. */
  wasm: string;
  /** `@tensorflow/tfjs-backend-cpu`'s `version_cpu`. */
  cpu: string;
}

/**
 * The versions of tfjs-core, tfjs-backend-wasm and tfjs-backend-cpu this package was loaded with.
 *
 * @returns The three versions.
 * @example
 * ```ts
 * import { installedTfjsVersions } from '@vae/backends';
 *
 * console.log(installedTfjsVersions()); // { core: '4.22.0', wasm: '4.22.0', cpu: '4.22.0' }
 * ```
 * @category Backends
 */
export function installedTfjsVersions(): TfjsVersions {
  return { core: version_core, wasm: version_wasm, cpu: version_cpu };
}

const PACKAGES: Record<keyof TfjsVersions, string> = {
  core: '@tensorflow/tfjs-core',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/**
 * Checks that the installed tfjs packages are the release this package's kernels were tested
 * with ({@link TESTED_TFJS_VERSION}). Another release may have renamed or changed the backend
 * members the wasm kernels and the cpu fixes read, which would fail inside a training step or,
 * worse, compute wrong values.
 *
 * @param found - The versions to check; the installed ones by default.
 * @throws `BackendError` (from `@vae/core`) naming each package whose version differs, the
 * version found and the version needed, and the install command that fixes it.
 *
 * @example
 * ```ts
 * import { checkTfjsVersion } from '@vae/backends';
 *
 * checkTfjsVersion(); // throws unless tfjs-core, -backend-wasm and -backend-cpu are 4.22.0
 * ```
 * @category Backends
 */
export function checkTfjsVersion(found: TfjsVersions = installedTfjsVersions()): void {
  const wrong = (Object.keys(PACKAGES) as Array<keyof TfjsVersions>).filter(
    (key) => found[key] !== TESTED_TFJS_VERSION,
  );
  if (wrong.length === 0) return;
  const got = wrong.map((key) => `${PACKAGES[key]} ${found[key]}`).join(', ');
  const install = wrong.map((key) => `${PACKAGES[key]}@${TESTED_TFJS_VERSION}`).join(' ');
  throw new BackendError(
    `@vae/backends: its wasm training kernels read internals of tfjs ${TESTED_TFJS_VERSION}, but found ${got}. ` +
      `Install the tested version (npm install ${install}) and make sure only one copy of each is installed (npm ls ${wrong.map((key) => PACKAGES[key]).join(' ')}).`,
    { backend: 'wasm' },
  );
}
