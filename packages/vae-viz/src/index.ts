/**
 * Pictures for VAEs: image grids, latent manifolds, reconstructions, interpolations, latent walk
 * GIFs, scatter plots, loss curves and one-file HTML reports.
 *
 * Compute is separate from rendering. Functions such as {@link imageGrid},
 * {@link latentManifold} or {@link interpolationStrip} take tensors, a decode function or a
 * VAE-like object and return pixels ({@link RgbaImage}, shaped like the browser's `ImageData`);
 * {@link latentScatter} and {@link lossCurves} return SVG strings; {@link encodePng},
 * {@link encodeGif} and {@link trainingReport} turn them into bytes or HTML. Everything here runs
 * in browsers and Node; the file writers (`writePng`, `writeGif`, `writeTrainingReport`, ...)
 * live in `@vae/viz/node`.
 *
 * Tensors passed in are never disposed; every tensor made inside is.
 *
 * @packageDocumentation
 */

export { encodeGif } from './encode/gif.js';
export type { EncodeGifOptions } from './encode/gif.js';
export { encodePng } from './encode/png.js';
export type { EncodePngOptions } from './encode/png.js';
export { toDataUri } from './encode/data-uri.js';
export { renderToCanvas } from './image/canvas.js';
export type { CanvasLike } from './image/canvas.js';
export type { ImageBatch, ImageShape } from './image/image-batch.js';
export { imageGrid } from './image/image-grid.js';
export type { ImageGridOptions } from './image/image-grid.js';
export { reconstructionGrid } from './image/reconstruction-grid.js';
export type { Color, RgbaImage } from './image/rgba-image.js';
export type { DecodeOptions } from './latent/decode-codes.js';
export { interpolateCodes } from './latent/interpolate.js';
export type { InterpolationMethod } from './latent/interpolate.js';
export { interpolationStrip } from './latent/interpolation-strip.js';
export type { InterpolationStripOptions } from './latent/interpolation-strip.js';
export { latentManifold, latentManifoldCodes } from './latent/latent-manifold.js';
export type { LatentManifoldCodes, LatentManifoldOptions } from './latent/latent-manifold.js';
export { latentTraversal } from './latent/latent-traversal.js';
export type { LatentTraversalOptions } from './latent/latent-traversal.js';
export { conditionalWalkGifs, latentWalkFrames, latentWalkGif } from './latent/latent-walk.js';
export type { LatentWalkOptions } from './latent/latent-walk.js';
export { normalQuantile } from './latent/normal-quantile.js';
export { lossCurves } from './plots/loss-curves.js';
export type { LossCurvesOptions } from './plots/loss-curves.js';
export { latentScatter } from './plots/latent-scatter.js';
export type { LatentScatterOptions } from './plots/latent-scatter.js';
export { pcaProject } from './plots/pca.js';
export type { PcaProjection } from './plots/pca.js';
export { trainingReport } from './report/training-report.js';
export type { ReportPicture, ReportSection, TrainingReportOptions, TrainingRun } from './report/training-report.js';
export type { ConditionOptions, LabelFormat } from './model/conditioning.js';
export type { DecodeFn, EpochLogs, HistoryLike, VaeCallOptions, VaeLike } from './model/vae-like.js';

/**
 * The npm name of this package, for diagnostics and reports.
 *
 * @category Meta
 */
export const PACKAGE_NAME = '@vae/viz';
