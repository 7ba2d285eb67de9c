// A replica module for the parallel trainer: one of the reference VAEs, with the batch
// carrying both the images `x` and the reparameterization noise `eps`.
import * as tf from '@tensorflow/tfjs-core';
import type { MlpVAESpec } from '../src/index.js';
import type { Replica } from '../src/parallel/index.js';
import { buildReferenceVAE, type ReferenceDims, trainableVariables, vaeLoss } from './reference-models.js';

export interface ReferenceReplicaOptions {
  dims: ReferenceDims;
  learningRate: number;
  /** Fields that replace the MLP's spec (tests of a wrong spec). */
  denseOverride?: Partial<MlpVAESpec>;
}

export function createReplica(options: ReferenceReplicaOptions): Replica {
  const { dims } = options;
  const vae = buildReferenceVAE(dims);
  return {
    variables: trainableVariables(vae),
    loss: ({ x, eps }) => vaeLoss(vae, x as tf.Tensor, eps as tf.Tensor),
    optimizer: tf.train.adam(options.learningRate),
    // The MLP declares its spec: on wasm workers the trainer runs it with its fused MLP step.
    ...(dims.kind === 'mlp'
      ? {
          mlpVAE: {
            inputSize: dims.input,
            encoderUnits: [dims.hidden],
            latentDim: dims.latent,
            decoderUnits: [dims.hidden],
            activation: 'relu',
            likelihood: { kind: 'bernoulli' },
            beta: 1,
            ...options.denseOverride,
          } satisfies MlpVAESpec,
        }
      : {}),
  };
}

/** The worker bootstrap and replica module, as URLs, for tests and the benchmark. */
export const TSX_WORKER = new URL('./tsx-worker.mjs', import.meta.url);
export const REFERENCE_REPLICA = new URL('./reference-replica.ts', import.meta.url);
