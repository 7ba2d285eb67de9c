export type { EvaluateOptions, EvaluationResult } from './evaluate.js';
export { evaluateVAE } from './evaluate.js';
export type { EstimateNllOptions, NllEstimate } from './importance-weighted.js';
export { estimateNll } from './importance-weighted.js';
