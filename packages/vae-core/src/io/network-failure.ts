import { ModelFormatError } from '../errors/index.js';
import type { NetworkSource } from './model-artifacts.js';

/** Throws the {@link ModelFormatError} for a network description that is broken in `problem`. */
export function failNetwork(source: NetworkSource, problem: string, cause?: unknown): never {
  throw new ModelFormatError(
    `${source.where}: ${source.file} ${problem}. The file is corrupt or not written by tfjs; save the model again with vae.save().`,
    { location: source.location, cause },
  );
}
