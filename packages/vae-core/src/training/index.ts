export type {
  Callback,
  EarlyStoppingCallback,
  EarlyStoppingOptions,
  MonitoredLog,
  ProgressReporterOptions,
  TrainingContext,
} from './callbacks.js';
export { earlyStopping, progressReporter } from './callbacks.js';
export type { CheckpointState, LoadedCheckpoint, ModelCheckpointOptions, ResumeState } from './checkpoint.js';
export { loadCheckpoint, modelCheckpoint } from './checkpoint.js';
export type { Batch, BatchSource, DatasetIteratorLike, DatasetLike, EpochSource, TrainingData } from './data.js';
export { resolveData } from './data.js';
export type { FitOptions } from './fit.js';
export { clipByGlobalNorm, fitVAE } from './fit.js';
export type { FitDefaults, FitSetup, ValidationLosses } from './fit-setup.js';
export { FIT_DEFAULTS, fitSeeds, resolveFitSetup, validationLosses } from './fit-setup.js';
export type { BatchLogs, EpochLogs, History, StopReason } from './logs.js';
export { mixSeed } from './random.js';
export type {
  CosineDecayOptions,
  CyclicalKlWarmupOptions,
  ExponentialDecayOptions,
  LinearKlWarmupOptions,
  PiecewiseConstantOptions,
  Schedule,
  ScheduleProgress,
  ScheduleUnit,
} from './schedules.js';
export {
  constantSchedule,
  cosineDecay,
  cyclicalKlWarmup,
  exponentialDecay,
  linearKlWarmup,
  piecewiseConstant,
  resolveSchedule,
} from './schedules.js';
export type { TrainableConfig, TrainableVAE } from './types.js';
