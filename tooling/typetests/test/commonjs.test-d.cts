// A CommonJS user (`require`, moduleResolution nodenext) gets the `.d.cts` types of every package.
import core = require('@vae/core');
import datasets = require('@vae/datasets');
import viz = require('@vae/viz');
import vizNode = require('@vae/viz/node');
import backends = require('@vae/backends');
import layers = require('@vae/layers');

import type { History } from '@vae/core';

// vitest is an ES module: its types are read with the import condition; only types are used here.
declare const expectTypeOf: typeof import('vitest', { with: { 'resolution-mode': 'import' }}).expectTypeOf;

expectTypeOf(core.buildConvVAE).returns.toEqualTypeOf<core.VAE>();
expectTypeOf<core.VAE['fit']>().returns.resolves.toEqualTypeOf<History>();
expectTypeOf<datasets.Batch>().toExtend<core.Batch>();
expectTypeOf<datasets.Dataset>().toExtend<core.TrainingData>();
expectTypeOf<History>().toExtend<viz.HistoryLike>();
expectTypeOf(vizNode.writePng).returns.toExtend<Promise<unknown>>();
expectTypeOf(backends.useBackend).returns.resolves.toEqualTypeOf<backends.ActiveBackend>();
expectTypeOf(layers.sampling).returns.toEqualTypeOf<layers.Sampling>();
