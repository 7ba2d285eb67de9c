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
export type { VAEErrorOptions } from './vae-error.js';
export { VAEError } from './vae-error.js';
