/**
 * Pictures for VAEs: image grids, latent manifolds, reconstructions, GIFs, plots and HTML reports.
 *
 * @packageDocumentation
 */

/**
 * The npm name of this package, for diagnostics and reports.
 *
 * @category Meta
 */
export const PACKAGE_NAME = '@vae/viz';
