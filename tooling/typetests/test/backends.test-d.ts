// @vae/backends: the backend names and options of useBackend are checked by the compiler.
import {
  type ActiveBackend,
  type BackendChoice,
  type BackendName,
  planTraining,
  type UseBackendOptions,
  useBackend,
} from '@vae/backends';
import type { VAE } from '@vae/core';
import { expectTypeOf } from 'vitest';

declare const vae: VAE;

expectTypeOf<BackendName>().toEqualTypeOf<'wasm' | 'cpu' | 'node' | 'node-gpu' | 'webgl' | 'webgpu'>();
expectTypeOf<BackendChoice>().toEqualTypeOf<BackendName | 'auto'>();
expectTypeOf(useBackend).parameter(1).toEqualTypeOf<UseBackendOptions | undefined>();
const active = await useBackend('auto', { trainingEngine: 'in-thread', candidates: ['wasm', 'cpu'] });
expectTypeOf(active).toEqualTypeOf<ActiveBackend>();
expectTypeOf(active.name).toEqualTypeOf<BackendName>();
expectTypeOf(planTraining(vae, { batchSize: 128 }).reasons).toExtend<readonly string[]>();

// @ts-expect-error no such backend
await useBackend('gpu');
// @ts-expect-error trainingEngine is 'auto' or 'in-thread'
await useBackend('wasm', { trainingEngine: 'workers' });
// @ts-expect-error a misspelt option
await useBackend('wasm', { trainingKernel: true });
