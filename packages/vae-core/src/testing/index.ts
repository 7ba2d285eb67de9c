/**
 * Test helpers for code built on `@vae/core`, runner-agnostic (they throw
 * {@link TensorAssertionError}): a tensor-leak check, a tolerance comparison and toy data.
 *
 * @packageDocumentation
 */
export type { CloseOptions, NoLeakOptions } from './assertions.js';
export { expectNoTensorLeak, expectTensorClose, TensorAssertionError } from './assertions.js';
export type { ToyDataOptions } from './toy-data.js';
export { makeToyImages, makeToyLabels } from './toy-data.js';
