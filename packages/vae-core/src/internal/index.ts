export type { JsonObject, JsonValue } from './json.js';
export { mulberry32 } from './prng.js';
export { checkBatchShape, showShape, sizeOf } from './shape.js';
export {
  checkChoice,
  checkInteger,
  checkIntegerList,
  checkNumber,
  checkShape,
  mergeDefaults,
  show,
} from './validate.js';
