/// <reference types="vite/client" />
// The browser demo: train a VAE on the embedded MNIST digits, watch it learn, explore its latent
// space, interpolate, and save/load models (IndexedDB, a CLI run folder, or a URL).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { buildConvVAE, buildMlpVAE, loadVAE, type VAE, type VAEManifest } from '@vae/core';
import { type Dataset, loadMnist } from '@vae/datasets';
import { classColor, imageGrid, interpolationStrip, lossCurves, reconstructionGrid, renderToCanvas } from '@vae/viz';
import { activateBackend, type WebBackend } from './backend.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => {
  $('status').textContent = text;
};

/** What the page exposes for tests and the curious (`window.vaeDemo`). */
interface DemoState {
  backend: string;
  losses: Array<{ step: number; loss: number }>;
  epochs: number;
  done: boolean;
  error: string | null;
  z: [number, number];
  vae: VAE | null;
}
const state: DemoState = { backend: '', losses: [], epochs: 0, done: false, error: null, z: [0, 0], vae: null };
(window as unknown as { vaeDemo: DemoState }).vaeDemo = state;

let test: Dataset | undefined;
let train: Dataset | undefined;
let scatter: { means: Float32Array; labels: Int32Array } | null = null;
let controller: AbortController | null = null;
const RANGE = 3;

function build(preset: string): VAE {
  if (preset === 'keras-mnist') return buildConvVAE({ seed: 1 });
  if (preset === 'mlp') return buildMlpVAE({ seed: 1 });
  return buildMlpVAE({ hiddenUnits: [256], latentDim: 2, seed: 1 });
}

async function data(): Promise<{ train: Dataset; test: Dataset }> {
  if (!train || !test) ({ train, test } = await loadMnist());
  return { train, test };
}

function setModel(vae: VAE): void {
  state.vae?.dispose();
  state.vae = vae;
}

/** Test digits, reconstructions and samples of the current model. */
async function drawPictures(recenter = false): Promise<void> {
  const vae = state.vae;
  if (!vae) return;
  const { test } = await data();
  const { x, labels } = await test.take(16).toTensors();
  const xHat = vae.reconstruct(x);
  renderToCanvas($<HTMLCanvasElement>('reconstructions'), reconstructionGrid(x, xHat, { columns: 8, scale: 2 }));
  const samples = vae.sample(32, { seed: 7 });
  renderToCanvas($<HTMLCanvasElement>('samples'), imageGrid(samples, { columns: 8, scale: 2 }));
  tf.dispose([x, xHat, samples, ...(labels ? [labels] : [])]);
  await updateScatter();
  if (recenter && scatter && scatter.labels.length > 0) {
    // Start the explorer where the test digits are: early in training the codes may sit far from 0.
    let sx = 0;
    let sy = 0;
    const n = scatter.means.length / 2;
    for (let i = 0; i < n; i++) {
      sx += scatter.means[2 * i] as number;
      sy += scatter.means[2 * i + 1] as number;
    }
    const clamp = (v: number) => Math.max(-RANGE, Math.min(RANGE, v));
    state.z = [clamp(sx / n), clamp(sy / n)];
  }
  drawExplorer();
}

async function updateScatter(): Promise<void> {
  const vae = state.vae;
  scatter = null;
  if (vae?.latentDim !== 2) return;
  const { test } = await data();
  const { x, labels } = await test.take(1000).toTensors();
  const { mean, logVar } = vae.encode(x);
  scatter = {
    means: (await mean.data()) as Float32Array,
    labels: labels ? ((await labels.data()) as Int32Array) : new Int32Array(0),
  };
  tf.dispose([x, mean, logVar, ...(labels ? [labels] : [])]);
}

function toCanvas(v: number, size: number, flip: boolean): number {
  const t = (v / RANGE + 1) / 2;
  return (flip ? 1 - t : t) * size;
}

/** Draws the latent plane (test digits coloured by class), the chosen point, and its decoding. */
function drawExplorer(): void {
  const canvas = $<HTMLCanvasElement>('explorer');
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const size = canvas.width;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size, size);
  ctx.strokeStyle = '#ddd';
  ctx.beginPath();
  ctx.moveTo(size / 2, 0);
  ctx.lineTo(size / 2, size);
  ctx.moveTo(0, size / 2);
  ctx.lineTo(size, size / 2);
  ctx.stroke();
  const vae = state.vae;
  if (vae?.latentDim !== 2) {
    ctx.fillStyle = '#777';
    ctx.fillText(vae ? `this model has ${vae.latentDim} latent dimensions` : 'train or load a 2-D model', 12, 20);
    return;
  }
  if (scatter) {
    for (let i = 0; i < scatter.labels.length; i++) {
      ctx.fillStyle = classColor(scatter.labels[i] as number);
      const px = toCanvas(scatter.means[2 * i] as number, size, false);
      const py = toCanvas(scatter.means[2 * i + 1] as number, size, true);
      ctx.fillRect(px - 1, py - 1, 3, 3);
    }
  }
  const [zx, zy] = state.z;
  const px = toCanvas(zx, size, false);
  const py = toCanvas(zy, size, true);
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(px, py, 7, 0, 2 * Math.PI);
  ctx.moveTo(px - 11, py);
  ctx.lineTo(px + 11, py);
  ctx.moveTo(px, py - 11);
  ctx.lineTo(px, py + 11);
  ctx.stroke();
  ctx.lineWidth = 1;
  const z = tf.tensor2d([[zx, zy]]);
  const image = vae.decode(z);
  renderToCanvas($<HTMLCanvasElement>('decoded'), imageGrid(image, { scale: 8, padding: 0 }));
  tf.dispose([z, image]);
  $('z').textContent = `z = (${zx.toFixed(2)}, ${zy.toFixed(2)})`;
}

function moveTo(x: number, y: number): void {
  const clamp = (v: number) => Math.max(-RANGE, Math.min(RANGE, v));
  state.z = [clamp(x), clamp(y)];
  drawExplorer();
}

function explorerEvents(): void {
  const canvas = $<HTMLCanvasElement>('explorer');
  let dragging = false;
  const fromEvent = (e: MouseEvent) => {
    const r = canvas.getBoundingClientRect();
    const tx = (e.clientX - r.left) / r.width;
    const ty = (e.clientY - r.top) / r.height;
    moveTo((tx * 2 - 1) * RANGE, (1 - ty * 2) * RANGE);
  };
  canvas.addEventListener('mousedown', (e) => {
    dragging = true;
    canvas.focus();
    fromEvent(e);
  });
  canvas.addEventListener('mousemove', (e) => {
    if (dragging) fromEvent(e);
  });
  window.addEventListener('mouseup', () => {
    dragging = false;
  });
  canvas.addEventListener('keydown', (e) => {
    const step = e.shiftKey ? 0.5 : 0.1;
    const [x, y] = state.z;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [x - step, y],
      ArrowRight: [x + step, y],
      ArrowUp: [x, y + step],
      ArrowDown: [x, y - step],
    };
    const next = moves[e.key];
    if (next) {
      e.preventDefault();
      moveTo(next[0], next[1]);
    }
  });
}

function drawLoss(): void {
  if (state.losses.length < 2) return;
  $('loss').innerHTML = lossCurves(
    state.losses.map((l) => ({ epoch: l.step, loss: l.loss })),
    { width: 420, height: 260, title: 'training loss by batch' },
  );
}

async function useBackendFromPage(): Promise<void> {
  const choice = $<HTMLSelectElement>('backend').value as WebBackend;
  state.backend = await activateBackend(choice);
  $('backend-name').textContent = state.backend;
}

async function trainClicked(): Promise<void> {
  const button = $<HTMLButtonElement>('train');
  button.disabled = true;
  $<HTMLButtonElement>('stop').disabled = false;
  state.done = false;
  state.error = null;
  state.losses = [];
  state.epochs = 0;
  try {
    status('starting the backend...');
    await useBackendFromPage();
    const preset = $<HTMLSelectElement>('preset').value;
    const count = Math.max(64, Number($<HTMLInputElement>('examples').value) || 2000);
    const epochs = Math.max(1, Number($<HTMLInputElement>('epochs').value) || 1);
    const batchSize = Math.max(8, Number($<HTMLInputElement>('batch').value) || 64);
    status('loading digits...');
    const { train } = await data();
    const { x, labels } = await train.take(count).toTensors();
    labels?.dispose();
    setModel(build(preset));
    const vae = state.vae as VAE;
    controller = new AbortController();
    const started = performance.now();
    let seen = 0;
    status(`training ${preset} on ${x.shape[0]} digits (${state.backend})...`);
    try {
      await vae.fit(x, {
        epochs,
        batchSize,
        seed: 1,
        logInterval: 1,
        signal: controller.signal,
        callbacks: [
          {
            onBatchEnd(logs) {
              seen += logs.size;
              if (logs.fresh) state.losses.push({ step: logs.step, loss: logs.loss });
              if (logs.fresh && logs.step % 5 === 0) drawLoss();
              const rate = seen / ((performance.now() - started) / 1000);
              status(
                `epoch ${logs.epoch + 1}/${epochs}, batch ${logs.batch + 1}/${logs.batchesPerEpoch}: loss ${logs.loss.toFixed(1)} (rec ${logs.reconstruction.toFixed(1)}, kl ${logs.kl.toFixed(1)}) · ${rate.toFixed(0)} digits/s on ${state.backend}`,
              );
            },
            async onEpochEnd(logs) {
              state.epochs = logs.epoch + 1;
              drawLoss();
              await drawPictures();
            },
          },
        ],
      });
    } finally {
      x.dispose();
    }
    drawLoss();
    await drawPictures(true);
    const first = state.losses[0]?.loss ?? Number.NaN;
    const last = state.losses[state.losses.length - 1]?.loss ?? Number.NaN;
    status(
      `done in ${((performance.now() - started) / 1000).toFixed(1)} s on ${state.backend}: loss ${first.toFixed(1)} -> ${last.toFixed(1)} nats per digit.`,
    );
    state.done = true;
  } catch (error) {
    state.error = error instanceof Error ? error.message : String(error);
    status(`error: ${state.error}`);
  } finally {
    button.disabled = false;
    $<HTMLButtonElement>('stop').disabled = true;
  }
}

async function interpolateClicked(): Promise<void> {
  const vae = state.vae;
  if (!vae) return status('train or load a model first.');
  const { test } = await data();
  const i = Math.min(test.size - 1, Math.max(0, Number($<HTMLInputElement>('from').value) || 0));
  const j = Math.min(test.size - 1, Math.max(0, Number($<HTMLInputElement>('to').value) || 0));
  const { x, labels } = await test.subset([i, j]).toTensors();
  const a = tf.slice(x, 0, 1);
  const b = tf.slice(x, 1, 1);
  renderToCanvas($<HTMLCanvasElement>('interpolation'), interpolationStrip(vae, a, b, { steps: 10, scale: 3 }));
  tf.dispose([x, a, b, ...(labels ? [labels] : [])]);
}

/** Loads the model folder of a CLI run from files picked with the folder chooser. */
async function loadFromFiles(files: FileList): Promise<VAE> {
  const byPath = new Map<string, File>();
  for (const f of Array.from(files)) byPath.set((f.webkitRelativePath || f.name).replace(/\\/g, '/'), f);
  const find = (suffix: string) => {
    const paths = [...byPath.keys()].filter((p) => p === suffix || p.endsWith(`/${suffix}`));
    // Prefer the final model over the checkpoint of a run folder.
    const path = paths.find((p) => p.includes('/model/')) ?? paths.find((p) => !p.includes('/checkpoint/')) ?? paths[0];
    const file = path === undefined ? undefined : byPath.get(path);
    if (!file) throw new Error(`the chosen folder has no ${suffix}; choose runs/<name> or runs/<name>/model.`);
    return file;
  };
  const manifest = JSON.parse(await find('vae.json').text()) as VAEManifest;
  const encoderFiles = tf.io.browserFiles([find('encoder/model.json'), find('encoder/weights.bin')]);
  // A folder written by vae.save keeps the manifest in vae.json; handlers carry it in the metadata.
  const encoder: tf.io.IOHandler = {
    load: async () => {
      const artifacts = await (encoderFiles.load as () => Promise<tf.io.ModelArtifacts>)();
      return { ...artifacts, userDefinedMetadata: { vae: { ...manifest, extraFiles: [] }, vaeExtraFiles: {} } };
    },
  };
  const decoder = tf.io.browserFiles([find('decoder/model.json'), find('decoder/weights.bin')]);
  return loadVAE({ encoder, decoder });
}

async function loaded(what: string, load: () => Promise<VAE>): Promise<void> {
  try {
    if (!state.backend) await useBackendFromPage();
    status(`loading ${what}...`);
    setModel(await load());
    state.z = [0, 0];
    await drawPictures(true);
    status(
      `loaded ${what}: latent ${state.vae?.latentDim}, ${state.vae?.countParams().total.toLocaleString()} parameters.`,
    );
  } catch (error) {
    status(`could not load ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const IDB = 'indexeddb://vae-demo';

function wire(): void {
  $('train').addEventListener('click', () => void trainClicked());
  $('stop').addEventListener('click', () => controller?.abort());
  $('interpolate').addEventListener('click', () => void interpolateClicked());
  $('save-idb').addEventListener('click', async () => {
    if (!state.vae) return status('train or load a model first.');
    await state.vae.save(IDB);
    status(`saved to ${IDB}.`);
  });
  $('load-idb').addEventListener('click', () => void loaded(IDB, () => loadVAE(IDB)));
  $<HTMLInputElement>('files').addEventListener('change', (e) => {
    const files = (e.target as HTMLInputElement).files;
    if (files && files.length > 0) void loaded('the chosen folder', () => loadFromFiles(files));
  });
  $('load-url').addEventListener('click', () => {
    const url = $<HTMLInputElement>('url').value.trim();
    if (url) void loaded(url, () => loadVAE(new URL(url, location.href).href));
  });
  explorerEvents();
  drawExplorer();
}

wire();
