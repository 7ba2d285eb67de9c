export type { FolderFiles } from './atomic-write.js';
export { PREVIOUS_SUFFIX, resolveReadableFolder, writeFileAtomic, writeFolderAtomic } from './atomic-write.js';
export type { LoadedVAE, LoadVAEOptions } from './load-vae.js';
export { loadVAE, loadVAEWithExtras } from './load-vae.js';
export type { SaveVAEOptions, SaveVAEResult, VAEDestination, VAEIOHandlers } from './save-vae.js';
export { saveVAE } from './save-vae.js';
export type { VAEManifest } from './vae-manifest.js';
export { parseManifest, VAE_FORMAT_VERSION } from './vae-manifest.js';
