// Runs the parallel trainer's worker from its TypeScript sources (tests and the benchmark run
// the package unbuilt): registers tsx in this worker thread, then loads the real worker.
import { register } from 'tsx/esm/api';

register();
await import('../src/parallel/parallel-worker.ts');
