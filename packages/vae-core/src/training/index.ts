export type {
  BatchBeginLogs,
  Callback,
  EarlyStoppingCallback,
  EarlyStoppingOptions,
  MonitoredLog,
  ProgressReporterOptions,
  TrainingContext,
} from './callbacks.js';
export { earlyStopping, progressReporter } from './callbacks.js';
export type {
  CheckpointModel,
  CheckpointState,
  LoadedCheckpoint,
  ModelCheckpointOptions,
  ResumeState,
} from './checkpoint.js';
export { loadCheckpoint, modelCheckpoint } from './checkpoint.js';
export type { Batch, BatchSource, DatasetIteratorLike, DatasetLike, TrainingData } from './data.js';
export type {
  EngineInfo,
  EngineSetup,
  EngineStepOptions,
  OptimizerSnapshot,
  StepLosses,
  TrainingEngine,
  TrainingEngineFactory,
} from './engine.js';
export { defaultTrainingEngine, setDefaultTrainingEngine } from './engine.js';
export type { FitOptions } from './fit.js';
export { fitVAE } from './fit.js';
export type { InThreadEngineOptions } from './in-thread-engine.js';
export { clipByGlobalNorm, inThreadEngine } from './in-thread-engine.js';
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
} from './schedules.js';
export type { TrainableConfig, TrainableVAE } from './types.js';
