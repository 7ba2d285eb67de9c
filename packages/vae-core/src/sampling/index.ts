export type { InterpolateOptions, InterpolationMethod, TraversalValues } from './interpolate.js';
export { interpolateLatents, traverseLatent } from './interpolate.js';
export type { SeedOptions } from './reparameterize.js';
export { checkSeed, reparameterize, samplePrior } from './reparameterize.js';
