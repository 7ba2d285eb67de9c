/**
 * Choosing and loading a TensorFlow.js backend, and fast training in Node without native code.
 *
 * @packageDocumentation
 */

/**
 * The npm name of this package, for diagnostics and reports.
 *
 * @category Meta
 */
export const PACKAGE_NAME = '@vae/backends';
