export type { VaeErrorOptions } from './vae-error.js';
export { VaeError } from './vae-error.js';
