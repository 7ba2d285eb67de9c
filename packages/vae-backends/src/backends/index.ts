export type { BackendChoice, BackendName } from './backend-names.js';
export { BROWSER_AUTO_ORDER, NODE_AUTO_ORDER } from './backend-names.js';
export type { TfjsVersions } from './tfjs-version.js';
export { checkTfjsVersion, installedTfjsVersions, TESTED_TFJS_VERSION } from './tfjs-version.js';
export type { ActiveBackend, BackendAttempt, UseBackendOptions } from './use-backend.js';
export { useBackend } from './use-backend.js';
