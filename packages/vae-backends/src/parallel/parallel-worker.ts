// The training worker of createParallelTrainer: holds one replica, computes the gradient of its
// shard, and joins the others through shared memory so every replica applies the same average.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { BackendError, ConfigError } from '@vae/core';
import type { BackendName } from '../backends/backend-names.js';
import { useBackend } from '../backends/use-backend.js';
import { ADAM_CLASSES, VAEAdam } from '../optimizers/vae-adam.js';
import { tensorValues } from '../wasm/wasm-internals.js';
import { MlpVAEEngine } from './mlp-vae-engine.js';
import type { ArrayTensor, FromWorker, MlpAdamConfig, OptimizerGroup, ToWorker } from './protocol.js';
import type { Replica, ReplicaModule } from './replica.js';

const port = parentPort;
if (port === null) {
  throw new BackendError(
    '@vae/backends parallel worker: this module runs inside a worker thread; use createParallelTrainer().',
    {
      backend: 'wasm',
    },
  );
}

let replica: Replica | undefined;
let optimizer: tf.Optimizer | undefined;
let index = 0;
let workers = 1;
let sizes: number[] = [];
let total = 0;
let gradients: Float32Array | undefined;
let offsets: number[] = [];
let owner: number[] = [];
let mine: number[] = [];
let control: Int32Array | undefined;
let norms: Float64Array | undefined;
/** The fused MLP step, once the trainer has shared its memory (see Replica.mlpVAE). */
let dense: MlpVAEEngine | undefined;
let adamConfig: MlpAdamConfig | undefined;

function send(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

/** Waits until every worker has written its gradient of step `generation` (counts only grow). */
function barrier(generation: number): void {
  const ctrl = control as Int32Array;
  const target = workers * generation;
  const arrived = Atomics.add(ctrl, 0, 1) + 1;
  if (arrived >= target) {
    Atomics.notify(ctrl, 0);
    return;
  }
  for (let seen = arrived; seen < target; seen = Atomics.load(ctrl, 0)) Atomics.wait(ctrl, 0, seen);
}

function setLearningRate(opt: tf.Optimizer, rate: number): void {
  const o = opt as unknown as { setLearningRate?: (r: number) => void; learningRate?: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);
  else o.learningRate = rate;
}

/** A shard's loss and metrics, weighted by its share of the batch, and its gradients of the variables this worker owns. */
interface ShardResult {
  loss: number;
  metrics: Record<string, number>;
  /** Variable index → this shard's weighted gradient, kept on the backend for the reduction. */
  owned: Map<number, tf.Tensor>;
}

/**
 * Computes the gradient of `share` × this shard's loss (so the reduction is a plain sum), writes
 * the gradients of variables other workers own into this worker's slot, and keeps the ones this
 * worker owns on the backend.
 */
function shardGradient(
  batch: Record<string, ArrayTensor>,
  share: number,
  scalars: Record<string, number>,
): ShardResult {
  const r = replica as Replica;
  const slots = gradients as Float32Array;
  const tensors: Record<string, tf.Tensor> = {};
  let kept: Record<string, tf.Scalar> = {};
  try {
    for (const [name, t] of Object.entries(batch)) tensors[name] = tf.tensor(t.values, t.shape);
    const { value, grads } = (optimizer as tf.Optimizer).computeGradients(() => {
      const out = r.loss(tensors, scalars);
      let loss: tf.Scalar;
      if (out instanceof tf.Tensor) loss = out;
      else {
        kept = {};
        for (const [name, m] of Object.entries(out.metrics)) kept[name] = tf.keep(m);
        loss = out.loss;
      }
      // One worker: the gradient as is, exactly as single-threaded training computes it.
      return share === 1 ? loss : tf.mul(loss, share);
    }, r.variables as tf.Variable[]);
    const owned = new Map<number, tf.Tensor>();
    try {
      const loss = value.dataSync()[0] as number;
      const metrics: Record<string, number> = {};
      for (const [name, m] of Object.entries(kept)) metrics[name] = (m.dataSync()[0] as number) * share;
      r.variables.forEach((v, k) => {
        const g = grads[v.name];
        if (owner[k] === index) {
          owned.set(k, g ?? tf.zerosLike(v));
          return;
        }
        const offset = index * total + (offsets[k] as number);
        if (g === undefined) slots.fill(0, offset, offset + v.size);
        else slots.set(tensorValues(g), offset);
      });
      return { loss, metrics, owned };
    } catch (error) {
      tf.dispose([...owned.values()]);
      owned.clear();
      throw error;
    } finally {
      const ownedTensors = new Set(owned.values());
      tf.dispose([value, ...Object.values(grads).filter((g) => !ownedTensors.has(g))]);
    }
  } finally {
    tf.dispose([...Object.values(tensors), ...Object.values(kept)]);
  }
}

/**
 * The summed gradient of owned variable `k`: every worker's weighted gradient, added in worker
 * order (the same order whichever worker owns `k`). Ours is on the backend already; the others
 * are copied in from their slots.
 */
function reduced(k: number, weights: number[], own: tf.Tensor | undefined): tf.Tensor {
  const v = (replica as Replica).variables[k] as tf.Variable;
  const slots = gradients as Float32Array;
  const start = offsets[k] as number;
  const parts: tf.Tensor[] = [];
  for (let w = 0; w < workers; w++) {
    if (w === index) {
      if (own !== undefined) parts.push(own);
    } else if ((weights[w] as number) > 0) {
      const base = w * total + start;
      parts.push(tf.tensor(slots.subarray(base, base + v.size), v.shape));
    }
  }
  if (parts.length === 1) return parts[0] as tf.Tensor;
  const sum = tf.addN(parts);
  tf.dispose(parts);
  return sum;
}

function step(
  batch: Record<string, ArrayTensor>,
  weights: number[],
  generation: number,
  learningRate: number | undefined,
  scalars: Record<string, number>,
  clipNorm: number | undefined,
): { loss: number; metrics: Record<string, number> } {
  const r = replica as Replica;
  const opt = optimizer as tf.Optimizer;
  const slots = gradients as Float32Array;
  const share = weights[index] as number;
  let result: ShardResult = { loss: 0, metrics: {}, owned: new Map() };
  let failure: unknown;
  // A worker without rows (a batch smaller than the worker count) adds nothing: the owners skip
  // its slot (see `reduced`).
  if (share > 0) {
    try {
      result = shardGradient(batch, share, scalars);
    } catch (error) {
      // Still join both barriers (the others would wait forever), but tell them to skip the update.
      failure = error;
      Atomics.store(control as Int32Array, 1, generation);
    }
  }
  if (learningRate !== undefined) setLearningRate(opt, learningRate);
  barrier(generation);
  if (Atomics.load(control as Int32Array, 1) === generation) {
    // Some worker failed: nobody updates, so the step leaves every replica as it was.
    tf.dispose([...result.owned.values()]);
    barrier(generation + 1);
    if (clipNorm !== undefined) barrier(generation + 2);
    if (failure !== undefined) throw failure;
    return { loss: Number.NaN, metrics: {} };
  }
  // Each variable has one owner worker: it sums the workers' gradients for that variable (in a
  // fixed order), applies the optimizer to it, and publishes the new values; the others copy them.
  const published = workers * total;
  let sums: tf.Tensor[] = mine.map((k) => reduced(k, weights, result.owned.get(k)));
  let publish = generation + 1;
  if (clipNorm !== undefined) {
    // The global norm: each owner adds the squares of its summed gradients, then all read the total.
    const shares = norms as Float64Array;
    shares[index] =
      sums.length === 0 ? 0 : (tf.tidy(() => tf.addN(sums.map((g) => tf.sum(tf.square(g))))).dataSync()[0] as number);
    barrier(generation + 1);
    publish = generation + 2;
    let all = 0;
    for (let w = 0; w < workers; w++) all += shares[w] as number;
    const norm = Math.sqrt(all);
    if (norm > clipNorm) {
      const scale = clipNorm / norm;
      const scaled = sums.map((g) => tf.mul(g, scale));
      tf.dispose(sums);
      sums = scaled;
    }
  }
  const owned: tf.NamedTensorMap = {};
  mine.forEach((k, j) => {
    owned[(r.variables[k] as tf.Variable).name] = sums[j] as tf.Tensor;
  });
  try {
    if (mine.length > 0) opt.applyGradients(owned);
  } finally {
    tf.dispose(sums);
  }
  for (const k of mine) slots.set(tensorValues(r.variables[k] as tf.Variable), published + (offsets[k] as number));
  barrier(publish);
  r.variables.forEach((v, k) => {
    if (owner[k] === index) return;
    const start = published + (offsets[k] as number);
    tf.tidy(() => v.assign(tf.tensor(slots.subarray(start, start + (sizes[k] as number)), v.shape)));
  });
  // No third barrier: a worker writes its slot and publishes again only after the next step's
  // first barrier, which every worker reaches after finishing these reads.
  return { loss: result.loss, metrics: result.metrics };
}

/**
 * The optimizer's state for the variables this worker owns: its iteration count and, per slot kind
 * (Adam: `/m`, `/v`), the values of each owned variable. A tfjs optimizer lists its slots as
 * `[iter, kind 0 of each variable..., kind 1 of each variable...]` in the order the variables
 * were first updated, which here is `mine`.
 */
async function optimizerState(): Promise<Extract<FromWorker, { type: 'optimizer' }>> {
  const opt = optimizer as tf.Optimizer;
  const r = replica as Replica;
  const named = await opt.getWeights();
  try {
    const slots = named.filter((n) => n.name !== 'iter');
    const kinds = mine.length === 0 ? 0 : slots.length / mine.length;
    if (!Number.isInteger(kinds)) {
      throw new ConfigError(
        `createParallelTrainer: worker ${index + 1}'s optimizer holds ${slots.length} slots for ${mine.length} variables; its state cannot be split by variable. Use an optimizer that updates each variable on its own (Adam, SGD, RMSProp).`,
        { field: 'optimizer', expected: 'slots per variable', got: slots.length },
      );
    }
    const groups: OptimizerGroup[] = [];
    for (let g = 0; g < kinds; g++) {
      const group: OptimizerGroup = { suffix: '', values: {} };
      mine.forEach((k, j) => {
        const slot = slots[g * mine.length + j] as { name: string; tensor: tf.Tensor };
        const name = (r.variables[k] as tf.Variable).name;
        if (j === 0) group.suffix = slot.name.startsWith(name) ? slot.name.slice(name.length) : `/${g}`;
        group.values[k] = Float32Array.from(slot.tensor.dataSync() as Float32Array);
      });
      groups.push(group);
    }
    const iterations = (opt as unknown as { iterations?: number }).iterations ?? 0;
    return {
      type: 'optimizer',
      className: opt.getClassName(),
      config: opt.getConfig() as Record<string, unknown>,
      iterations,
      owned: [...mine],
      groups,
    };
  } finally {
    // The iteration count is a new tensor; the slots are the optimizer's own variables.
    for (const n of named) if (n.name === 'iter') n.tensor.dispose();
  }
}

/** Loads the optimizer's state for the variables this worker owns (see {@link optimizerState}). */
async function restoreOptimizer(iterations: number, groups: OptimizerGroup[]): Promise<void> {
  const r = replica as Replica;
  const list: { name: string; tensor: tf.Tensor }[] = [{ name: 'iter', tensor: tf.scalar(iterations, 'int32') }];
  for (const group of groups) {
    for (const k of mine) {
      const v = r.variables[k] as tf.Variable;
      list.push({ name: `${v.name}${group.suffix}`, tensor: tf.tensor(group.values[k] as Float32Array, v.shape) });
    }
  }
  try {
    await (optimizer as tf.Optimizer).setWeights(list);
  } finally {
    tf.dispose(list.map((n) => n.tensor));
  }
}

/** Gives each variable to one worker, largest first to the least loaded (same on every worker). */
function assignOwners(variableSizes: number[], count: number): number[] {
  const load = new Array<number>(count).fill(0);
  const owners = new Array<number>(variableSizes.length).fill(0);
  const order = variableSizes.map((size, k) => ({ size, k })).sort((a, b) => b.size - a.size || a.k - b.k);
  for (const { size, k } of order) {
    let best = 0;
    for (let w = 1; w < count; w++) if ((load[w] as number) < (load[best] as number)) best = w;
    owners[k] = best;
    load[best] = (load[best] as number) + size;
  }
  return owners;
}

async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'init': {
      index = message.index;
      workers = message.workers;
      const active = await useBackend(message.backend as BackendName);
      const module = (await import(message.replica)) as Partial<ReplicaModule>;
      if (typeof module.createReplica !== 'function') {
        throw new ConfigError(
          `createParallelTrainer: the replica module ${message.replica} does not export a function createReplica(options). Export one that returns { variables, loss, optimizer? }.`,
          { field: 'replica', expected: 'a module exporting createReplica(options)', got: message.replica },
        );
      }
      replica = await module.createReplica(message.replicaOptions);
      optimizer = replica.optimizer ?? new VAEAdam(1e-3);
      sizes = replica.variables.map((v) => v.size);
      total = sizes.reduce((a, b) => a + b, 0);
      offsets = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
      owner = assignOwners(sizes, workers);
      mine = owner.flatMap((w, k) => (w === index ? [k] : []));
      // The fused MLP step runs on wasm workers only (on cpu, tfjs runs as asked), with Adam.
      const adamClass = ADAM_CLASSES.includes(optimizer.getClassName());
      let mlpReason: string | undefined;
      if (replica.mlpVAE === undefined) mlpReason = undefined;
      else if (active.name !== 'wasm') mlpReason = `the workers run on ${active.name}, the fused MLP step on wasm`;
      else if (!adamClass)
        mlpReason = `the replica's optimizer is ${optimizer.getClassName()}, the fused MLP step runs Adam`;
      else {
        const config = optimizer.getConfig() as Record<string, number>;
        adamConfig = {
          learningRate: config.learningRate as number,
          beta1: config.beta1 as number,
          beta2: config.beta2 as number,
          epsilon: config.epsilon as number,
        };
      }
      send({
        type: 'ready',
        sizes,
        shapes: replica.variables.map((v) => [...v.shape]),
        backend: active.name,
        ...(adamConfig === undefined || replica.mlpVAE === undefined
          ? {}
          : { dense: { spec: replica.mlpVAE, adam: adamConfig } }),
        ...(mlpReason === undefined ? {} : { mlpReason }),
      });
      return;
    }
    case 'dense-memory': {
      const r = replica as Replica;
      const engine =
        r.mlpVAE === undefined ? null : MlpVAEEngine.create(message.memory, r.mlpVAE, message.capacity, workers, index);
      dense = engine ?? undefined;
      send({ type: 'dense-ready', ok: engine !== null });
      return;
    }
    case 'dense-step': {
      const engine = dense as MlpVAEEngine;
      const ctrl = control as Int32Array;
      const { generation } = message;
      const adam = adamConfig as MlpAdamConfig;
      const result = engine.step(
        {
          rows: message.rows,
          generation,
          learningRate: message.learningRate,
          klWeight: message.klWeight,
          iteration: message.iteration,
          beta1: adam.beta1,
          beta2: adam.beta2,
          epsilon: adam.epsilon,
          ...(message.clipNorm === undefined ? {} : { clipNorm: message.clipNorm }),
        },
        { barrier, norms: norms as Float64Array },
        () => Atomics.load(ctrl, 1) === generation,
        () => Atomics.store(ctrl, 1, generation),
      );
      send({ type: 'stepped', loss: result.loss, metrics: { ...result.metrics } });
      return;
    }
    case 'buffers':
      gradients = new Float32Array(message.gradients);
      control = new Int32Array(message.control);
      norms = new Float64Array(message.norms);
      send({ type: 'buffers-ok' });
      return;
    case 'step':
      send({
        type: 'stepped',
        ...step(
          message.batch,
          message.weights,
          message.generation,
          message.learningRate,
          message.scalars ?? {},
          message.clipNorm,
        ),
      });
      return;
    case 'get-weights': {
      // Copies: a backend may hand out its own storage (cpu), or views sharing one buffer (loaded
      // weights), and either would break when transferred.
      const values = (replica as Replica).variables.map((v) => Float32Array.from(v.dataSync() as Float32Array));
      send(
        { type: 'weights', values },
        values.map((v) => v.buffer as ArrayBuffer),
      );
      return;
    }
    case 'set-weights':
      (replica as Replica).variables.forEach((v, k) => {
        tf.tidy(() => v.assign(tf.tensor(message.values[k] as Float32Array, v.shape)));
      });
      send({ type: 'weights-set' });
      return;
    case 'get-optimizer':
      send(await optimizerState());
      return;
    case 'set-optimizer':
      await restoreOptimizer(message.iterations, message.groups);
      send({ type: 'optimizer-set' });
      return;
    case 'dispose':
      tf.dispose([...((replica?.variables ?? []) as tf.Variable[])]);
      optimizer?.dispose();
      send({ type: 'disposed' });
      return;
  }
}

port.on('message', (message: ToWorker) => {
  handle(message).catch((error: unknown) => {
    const e = error instanceof Error ? error : { message: String(error), stack: undefined, name: 'Error' };
    send({ type: 'failed', message: e.message, name: e.name, ...(e.stack === undefined ? {} : { stack: e.stack }) });
  });
});
