// Adam's state between the worker trainer's form (one array per variable and slot kind) and a
// checkpoint's (`optimizer.bin` encoded with tf.io, the layout of tfjs's Adam).
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ModelFormatError, type OptimizerSnapshot, type ResumeState } from '@vae/core';
import type { ParallelOptimizerState } from '../parallel/parallel-trainer.js';

/** A tensor with the name an optimizer saves it under (tfjs's `NamedTensor`, not exported by tfjs-core). */
type NamedTensor = { name: string; tensor: tf.Tensor };

import { ADAM_CLASSES } from '../optimizers/vae-adam.js';

/**
 * Encodes a worker trainer's optimizer state as a checkpoint stores it: `[iter, slot kind 0 of
 * every variable..., slot kind 1 of every variable...]`, named after the model's variables.
 */
export async function encodeOptimizerState(
  state: ParallelOptimizerState,
  vars: readonly tf.Variable[],
): Promise<OptimizerSnapshot> {
  const named: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }];
  for (const slot of state.slots) {
    vars.forEach((v, k) => {
      named.push({ name: `${v.name}${slot.suffix}`, tensor: tf.tensor(slot.values[k] as Float32Array, v.shape) });
    });
  }
  try {
    const { data, specs } = await tf.io.encodeWeights(named);
    return {
      meta: { className: 'VAEAdam', config: state.config as tf.serialization.ConfigDict, weightSpecs: specs },
      bytes: new Uint8Array(data),
    };
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
}

/**
 * Reads a checkpoint's Adam state into per-variable slots for the workers.
 *
 * @throws ConfigError for another optimizer than Adam; ModelFormatError when the slots do not fit the variables.
 */
export function decodeOptimizerState(
  resume: ResumeState,
  vars: readonly tf.Variable[],
  where: string,
): ParallelOptimizerState {
  const { state, optimizerWeights: bytes } = resume;
  const { className, config, weightSpecs } = state.optimizer;
  if (!ADAM_CLASSES.includes(className)) {
    throw new ConfigError(
      `${where}: the checkpoint's optimizer is ${className}; the worker engine trains with Adam. Resume this checkpoint in-thread (engine: inThreadEngine()).`,
      { field: 'resume', expected: "a checkpoint of an 'Adam' run", got: className },
    );
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(buffer, weightSpecs);
  try {
    const iter = weightSpecs.findIndex((w) => w.name === 'iter');
    const slotSpecs = weightSpecs.filter((_, i) => i !== iter);
    const bad = () =>
      new ModelFormatError(
        `${where}: the checkpoint's optimizer holds ${slotSpecs.length} slots, the model has ${vars.length} trainable variables; they do not match. Resume with the model of the same checkpoint.`,
        { location: 'resume' },
      );
    const kinds = slotSpecs.length / vars.length;
    if (!Number.isInteger(kinds)) throw bad();
    const slots: ParallelOptimizerState['slots'] = [];
    for (let g = 0; g < kinds; g++) {
      const values = vars.map((v, k) => {
        const spec = slotSpecs[g * vars.length + k] as tf.io.WeightsManifestEntry;
        const data = (map[spec.name] as tf.Tensor).dataSync() as Float32Array;
        if (data.length !== v.size) throw bad();
        return Float32Array.from(data);
      });
      const first = (slotSpecs[g * vars.length] as tf.io.WeightsManifestEntry).name;
      const slash = first.lastIndexOf('/');
      slots.push({ suffix: slash < 0 ? `/${g}` : first.slice(slash), values });
    }
    const iterations = iter < 0 ? state.step : ((map.iter as tf.Tensor).dataSync()[0] as number);
    return { className, config: config as Record<string, unknown>, iterations, slots };
  } finally {
    tf.dispose(Object.values(map));
  }
}

/** A caller's Adam optimizer's state (empty before its first step), for the workers. */
export async function stateOfOptimizer(
  optimizer: tf.Optimizer,
  vars: readonly tf.Variable[],
): Promise<ParallelOptimizerState> {
  const weights = await optimizer.getWeights();
  try {
    const iterations = optimizer.iterations;
    const rest = weights.filter((w) => w.name !== 'iter');
    const slots: ParallelOptimizerState['slots'] = [];
    if (rest.length > 0) {
      if (rest.length !== 2 * vars.length) {
        throw new ConfigError(
          `fit: the optimizer holds moments of ${rest.length / 2} variables, the model has ${vars.length}; it was used with another model. Pass a fresh optimizer.`,
          { field: 'optimizer', expected: `moments of ${vars.length} variables`, got: rest.length / 2 },
        );
      }
      for (const [g, suffix] of ['/m', '/v'].entries()) {
        slots.push({
          suffix,
          values: vars.map((_, k) => Float32Array.from((rest[g * vars.length + k] as NamedTensor).tensor.dataSync())),
        });
      }
    }
    return {
      className: optimizer.getClassName(),
      config: optimizer.getConfig() as Record<string, unknown>,
      iterations,
      slots,
    };
  } finally {
    for (const w of weights) if (w.name === 'iter') w.tensor.dispose();
  }
}

/** Loads the workers' final state into a caller's optimizer, so it holds what an in-thread run leaves. */
export async function loadIntoOptimizer(
  optimizer: tf.Optimizer,
  state: ParallelOptimizerState,
  vars: readonly tf.Variable[],
): Promise<void> {
  const named: NamedTensor[] = [{ name: 'iter', tensor: tf.scalar(state.iterations, 'int32') }];
  for (const slot of state.slots) {
    vars.forEach((v, k) => {
      named.push({ name: `${v.name}${slot.suffix}`, tensor: tf.tensor(slot.values[k] as Float32Array, v.shape) });
    });
  }
  try {
    await optimizer.setWeights(named);
  } finally {
    tf.dispose(named.map((n) => n.tensor));
  }
}
