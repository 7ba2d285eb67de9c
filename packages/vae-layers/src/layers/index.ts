export type { GaussianHeadArgs, LogVarBoundMethod } from './gaussian-head.js';
export { GaussianHead, gaussianHead } from './gaussian-head.js';
export type { LabelConditioningArgs } from './label-conditioning.js';
export { LabelConditioning, labelConditioning } from './label-conditioning.js';
export type { SamplingArgs } from './sampling.js';
export { Sampling, sampling } from './sampling.js';
