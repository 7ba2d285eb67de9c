export {
  assertDataSummary,
  assertLabelSummary,
  checkDataSupport,
  checkLabels,
  dataSummary,
  dataSupportHint,
  labelSummary,
  mergeSummaries,
  type ValueSummary,
} from './data-support.js';
export type { Labels } from './labels.js';
export { resolveLabels } from './labels.js';
export type { DecoderFunction, EncoderFunction, NetworkContext } from './networks.js';
export { isLayersModel } from './networks.js';
export type {
  CallOptions,
  InterpolateDataOptions,
  LossOptions,
  LossTerms,
  ParamCounts,
  PerExampleLossTerms,
  ReconstructOptions,
  SampleOptions,
  SummaryOptions,
  VAEParts,
} from './vae.js';
export { VAE } from './vae.js';
export type { VAEConfig } from './vae-config.js';
