/**
 * Backend-agnostic Variational Autoencoders for TensorFlow.js.
 *
 * `@vae/core` holds the math and the model: likelihoods and KL terms, the reparameterization and
 * prior sampling, the `VAE` object and its builders, training, evaluation and save/load. It
 * depends on `@tensorflow/tfjs-core` and `@tensorflow/tfjs-layers` as peers only, so it runs on
 * whichever backend the application activates.
 *
 * A tour:
 * - Build: {@link buildConvVAE}, {@link buildMlpVAE}, {@link buildLstmVAE},
 *   {@link buildConditionalVAE}, or {@link buildVAE} with your own encoder and decoder.
 * - Use: {@link VAE} (`encode`, `decode`, `decodeParams`, `reconstruct`, `sample`,
 *   `interpolate`, `lossTerms`, `summary`, `save`, `dispose`).
 * - Math: likelihoods ({@link bernoulliLikelihood}, {@link gaussianLikelihood},
 *   {@link learnedGaussianLikelihood}), KL ({@link klStandardNormal}, {@link klFreeBits}, ...),
 *   sampling ({@link reparameterize}, {@link samplePrior}, {@link interpolateLatents},
 *   {@link traverseLatent}).
 * - Train: {@link VAE.fit} / {@link fitVAE} with schedules ({@link piecewiseConstant},
 *   {@link cosineDecay}), KL warm-up ({@link linearKlWarmup}, {@link cyclicalKlWarmup}) and
 *   callbacks ({@link earlyStopping}, {@link modelCheckpoint}, {@link progressReporter});
 *   resume with {@link loadCheckpoint}. What runs each step is an engine
 *   ({@link TrainingEngineFactory}): {@link inThreadEngine} here, multi-core ones in `@vae/backends`.
 * - Log: {@link csvLogger} and {@link jsonLinesLogger} (a row per epoch, Keras names),
 *   {@link tensorBoardLogger} (event files for TensorBoard), and {@link layersCallbacks} for
 *   callbacks written for `tf.LayersModel.fit` (`tfvis.show.fitCallbacks`, `tf.CustomCallback`).
 * - Evaluate: {@link VAE.evaluate} (negative ELBO, bits per dimension) and
 *   {@link VAE.estimateNll} (importance-weighted likelihood).
 * - Persist: {@link saveVAE}, {@link loadVAE}, {@link loadVAEWithExtras} (atomic writes: a crash
 *   never leaves a half-written model where a good one stood).
 * - Test helpers live in the `@vae/core/test` subpath. The `@vae/core/internal` subpath holds
 *   what the other `@vae` packages share (atomic file writes, the seeded generator); it has no
 *   stability promise.
 *
 * @packageDocumentation
 */

export type {
  Activation,
  BuildVAEOptions,
  CommonBuilderConfig,
  ConditionalVAEConfig,
  ConvDecoderKind,
  ConvVAEConfig,
  DecoderHead,
  DecoderSpec,
  EncoderSpec,
  LstmVAEConfig,
  MlpVAEConfig,
  RecurrentActivation,
} from './builders/index.js';
export {
  buildConditionalVAE,
  buildConvVAE,
  buildLstmVAE,
  buildMlpVAE,
  buildVAE,
  CONV_VAE_DEFAULTS,
  LSTM_VAE_DEFAULTS,
  MLP_VAE_DEFAULTS,
} from './builders/index.js';
export type { VAEErrorOptions } from './errors/index.js';
export {
  BackendError,
  ConfigError,
  DatasetError,
  DisposedError,
  EncoderContractError,
  ModelFormatError,
  NonFiniteLossError,
  PersistenceError,
  ShapeError,
  VAEError,
} from './errors/index.js';
export type {
  EstimateNllOptions,
  EvaluateOptions,
  EvaluationResult,
  NllEstimate,
} from './evaluation/index.js';
export { estimateNll, evaluateVAE } from './evaluation/index.js';
export type { JsonObject, JsonValue } from './internal/index.js';
export type {
  LoadedVAE,
  LoadVAEOptions,
  SaveVAEOptions,
  SaveVAEResult,
  VAEDestination,
  VAEIOHandlers,
  VAEManifest,
} from './io/index.js';
export { loadVAE, loadVAEWithExtras, saveVAE, VAE_FORMAT_VERSION } from './io/index.js';
export type {
  CsvLoggerOptions,
  JsonLinesLoggerOptions,
  KerasLogs,
  LayersCallbackLike,
  LogWriter,
  TensorBoardLoggerCallback,
  TensorBoardLoggerOptions,
} from './logging/index.js';
export { csvLogger, jsonLinesLogger, layersCallbacks, tensorBoardLogger } from './logging/index.js';
export type {
  GaussianLikelihoodOptions,
  KlMonteCarloOptions,
  LearnedGaussianLikelihoodOptions,
  LearnedVariance,
  Likelihood,
  LikelihoodConfig,
  LikelihoodSpec,
  LikelihoodSupport,
} from './losses/index.js';
export {
  BernoulliLikelihood,
  bernoulliLikelihood,
  diagonalGaussianLogProb,
  GaussianLikelihood,
  gaussianLikelihood,
  klDiagonalGaussian,
  klFreeBits,
  klMonteCarlo,
  klStandardNormal,
  klStandardNormalPerDimension,
  LearnedGaussianLikelihood,
  learnedGaussianLikelihood,
  resolveLikelihood,
  standardNormalLogProb,
} from './losses/index.js';
export type {
  CallOptions,
  DecoderFunction,
  EncoderFunction,
  InterpolateDataOptions,
  Labels,
  LossOptions,
  LossTerms,
  NetworkContext,
  ParamCounts,
  PerExampleLossTerms,
  ReconstructOptions,
  SampleOptions,
  SummaryOptions,
  VAEConfig,
  VAEParts,
} from './models/index.js';
export { VAE } from './models/index.js';
export type { InterpolateOptions, InterpolationMethod, SeedOptions, TraversalValues } from './sampling/index.js';
export { interpolateLatents, reparameterize, samplePrior, traverseLatent } from './sampling/index.js';
export type {
  Batch,
  BatchBeginLogs,
  BatchLogs,
  BatchSource,
  Callback,
  CheckpointModel,
  CheckpointState,
  CosineDecayOptions,
  CyclicalKlWarmupOptions,
  DatasetIteratorLike,
  DatasetLike,
  EarlyStoppingCallback,
  EarlyStoppingOptions,
  EngineInfo,
  EngineSetup,
  EngineStepOptions,
  EpochLogs,
  ExponentialDecayOptions,
  FitOptions,
  History,
  InThreadEngineOptions,
  LinearKlWarmupOptions,
  LoadedCheckpoint,
  ModelCheckpointOptions,
  MonitoredLog,
  OptimizerSnapshot,
  PiecewiseConstantOptions,
  ProgressReporterOptions,
  ResumeState,
  Schedule,
  ScheduleProgress,
  ScheduleUnit,
  StepLosses,
  StopReason,
  TrainableConfig,
  TrainableVAE,
  TrainingContext,
  TrainingData,
  TrainingEngine,
  TrainingEngineFactory,
} from './training/index.js';
export {
  constantSchedule,
  cosineDecay,
  cyclicalKlWarmup,
  defaultTrainingEngine,
  earlyStopping,
  exponentialDecay,
  fitVAE,
  inThreadEngine,
  linearKlWarmup,
  loadCheckpoint,
  modelCheckpoint,
  piecewiseConstant,
  progressReporter,
  setDefaultTrainingEngine,
} from './training/index.js';
