/**
 * Serializable TensorFlow.js layers for VAEs and single-graph export.
 *
 * @packageDocumentation
 */

/**
 * The npm name of this package, for diagnostics and reports.
 *
 * @category Meta
 */
export const PACKAGE_NAME = '@vae/layers';
