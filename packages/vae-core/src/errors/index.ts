export {
  BackendError,
  ConfigError,
  DatasetError,
  DisposedError,
  EncoderContractError,
  ModelFormatError,
  NonFiniteLossError,
  PersistenceError,
  ShapeError,
} from './errors.js';
export type { VaeErrorOptions } from './vae-error.js';
export { VaeError } from './vae-error.js';
