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
 * @module @vae/viz
 */

export { toDataUri } from './encode/data-uri.js';
export type { EncodeGifOptions } from './encode/gif.js';
export { encodeGif } from './encode/gif.js';
export type { EncodePngOptions } from './encode/png.js';
export { encodePng } from './encode/png.js';
export type { Canvas2DContextLike, CanvasLike, ImageDataLike } from './image/canvas.js';
export { renderToCanvas } from './image/canvas.js';
export type { ImageBatch, ImageShape } from './image/image-batch.js';
export type { ImageGridOptions } from './image/image-grid.js';
export { imageGrid } from './image/image-grid.js';
export { reconstructionGrid } from './image/reconstruction-grid.js';
export type { Color, RgbaImage } from './image/rgba-image.js';
export type { DecodeOptions } from './latent/decode-codes.js';
export { interpolateCodes } from './latent/interpolate.js';
export type { InterpolationStripOptions } from './latent/interpolation-strip.js';
export { interpolationStrip } from './latent/interpolation-strip.js';
export type { LatentManifoldCodes, LatentManifoldOptions } from './latent/latent-manifold.js';
export { latentManifold, latentManifoldCodes } from './latent/latent-manifold.js';
export type { LatentTraversalOptions } from './latent/latent-traversal.js';
export { latentTraversal } from './latent/latent-traversal.js';
export type { LabelledGif, LatentWalkOptions } from './latent/latent-walk.js';
export { conditionalWalkGifs, latentWalkFrames, latentWalkGif } from './latent/latent-walk.js';
export { normalQuantile } from './latent/normal-quantile.js';
export type { ConditionOptions, LabelFormat } from './model/conditioning.js';
export type {
  ColumnHistory,
  DecodeFn,
  HistoryLike,
  HistoryObject,
  PosteriorLike,
  VAECallOptions,
  VAELike,
} from './model/vae-like.js';
export { CLASS_COLORS, classColor, classColorBytes } from './plots/class-colors.js';
export type { LatentScatterOptions } from './plots/latent-scatter.js';
export { latentScatter } from './plots/latent-scatter.js';
export type { LossCurvesOptions } from './plots/loss-curves.js';
export { lossCurves } from './plots/loss-curves.js';
export type { PcaProjection } from './plots/pca.js';
export { pcaProject } from './plots/pca.js';
export type {
  ReportData,
  ReportModel,
  ReportPicture,
  ReportSection,
  TrainingReportOptions,
  TrainingRun,
} from './report/training-report.js';
export { trainingReport } from './report/training-report.js';

/**
 * The npm name of this package, for diagnostics and reports.
 *
 * @category Meta
 */
export const PACKAGE_NAME = '@vae/viz';
