/**
 * Datasets for VAEs: embedded MNIST, IDX files, image folders, splits and streaming batches.
 *
 * @packageDocumentation
 */

/**
 * The npm name of this package, for diagnostics and reports.
 *
 * @category Meta
 */
export const PACKAGE_NAME = '@vae/datasets';
