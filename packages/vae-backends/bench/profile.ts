// Where a training step's time goes, per kernel (exclusive of the kernels it runs inside), on
// wasm with this package's kernels. Usage: pnpm --filter @vae/backends run profile [mlp|keras-conv] [steps]
// (BATCH=64 profiles another batch size; 128 by default).
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/index.js';
import {
  buildReferenceVAE,
  KERAS_CONV,
  MLP,
  type ReferenceDims,
  seededNormal,
  seededUniform,
  trainStep,
} from '../test/reference-models.js';

const model = process.argv[2] === 'keras-conv' ? 'keras-conv' : 'mlp';
const steps = Number(process.argv[3] ?? 20);
const dims: ReferenceDims = model === 'mlp' ? MLP : KERAS_CONV;
await useBackend('wasm');

const totals = new Map<string, { ms: number; calls: number }>();
const stack: number[] = [];
let profiling = false;
for (const config of tf.getKernelsForBackend('wasm')) {
  const inner = config.kernelFunc;
  const label = config.kernelName;
  tf.unregisterKernel(label, 'wasm');
  tf.registerKernel({
    ...config,
    kernelFunc: ((args: Parameters<typeof inner>[0]) => {
      if (!profiling) return inner(args);
      const key =
        label === 'BatchMatMul' || label === '_FusedMatMul'
          ? `${label}${(args.attrs as { transposeA?: boolean }).transposeA ? ' Aᵀ' : ''}${(args.attrs as { transposeB?: boolean }).transposeB ? ' Bᵀ' : ''}`
          : label;
      stack.push(0);
      const t0 = performance.now();
      const out = inner(args);
      const elapsed = performance.now() - t0;
      const nested = stack.pop() as number;
      if (stack.length > 0) stack[stack.length - 1] = (stack[stack.length - 1] as number) + elapsed;
      const entry = totals.get(key) ?? { ms: 0, calls: 0 };
      entry.ms += elapsed - nested;
      entry.calls++;
      totals.set(key, entry);
      return out;
    }) as typeof inner,
  });
}

const batch = Number(process.env.BATCH ?? 128);
const example = dims.kind === 'mlp' ? [dims.input] : [dims.size, dims.size, 1];
const vae = buildReferenceVAE(dims);
const optimizer = tf.train.adam(1e-3);
const x = tf.tensor(seededUniform(1)(batch * example.reduce((a, b) => a * b, 1)), [batch, ...example]);
const e = tf.tensor2d(seededNormal(2)(batch * dims.latent), [batch, dims.latent]);
const run = async () => {
  const loss = trainStep(vae, optimizer, x, e);
  await loss.data();
  loss.dispose();
};
for (let i = 0; i < 5; i++) await run();
profiling = true;
const t0 = performance.now();
for (let i = 0; i < steps; i++) await run();
const total = (performance.now() - t0) / steps;
profiling = false;
const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms);
const inKernels = rows.reduce((s, [, v]) => s + v.ms, 0) / steps;
console.log(
  `${model}: ${total.toFixed(2)} ms/step (${((batch * 1000) / total).toFixed(0)} images/s), ${inKernels.toFixed(2)} ms in kernels`,
);
for (const [name, v] of rows) {
  console.log(
    `${name.padEnd(28)} ${(v.ms / steps).toFixed(3).padStart(8)} ms  ${(v.calls / steps).toFixed(0).padStart(4)} calls  ${((100 * v.ms) / steps / total).toFixed(1).padStart(5)}%`,
  );
}
