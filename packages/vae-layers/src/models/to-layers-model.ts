import * as tfl from '@tensorflow/tfjs-layers';
import { DisposedError, ModelFormatError, type VAE } from '@vae/core';
import { Sampling } from '../layers/sampling.js';
import { applyLikelihoodMean } from './likelihood-mean.js';

/**
 * Options of {@link toLayersModel}.
 *
 * @category Models
 */
export interface ToLayersModelOptions {
  /**
   * Seed of the {@link Sampling} layer between encoder and decoder (see {@link SamplingArgs.seed}).
   *
   * @defaultValue undefined (fresh noise on each call)
   */
  seed?: number;
  /**
   * Make `vae.predict(x)` decode the posterior mean instead of a sample, as `VAE.reconstruct`
   * does by default. Training calls still sample.
   *
   * @defaultValue false (predict decodes a sample `z ~ q(z | x)`)
   */
  meanAtInference?: boolean;
}

/**
 * The models {@link toLayersModel} makes. They are a snapshot: each of the three holds its own
 * copy of the weights it needs, so later training of the VAE (or of one of them) does not change
 * the others, and disposing the VAE does not free them. Dispose each when done, in any order.
 *
 * @category Models
 */
export interface VAELayersModels {
  /**
   * The whole VAE in one graph, named `vae`: `x` (and `label`) -> encoder -> `Sampling` ->
   * decoder -> the likelihood's mean. `predict(x)` (or `predict([x, oneHotLabel])`) returns
   * reconstructions in data space, `[batch, ...inputShape]`.
   */
  vae: tfl.LayersModel;
  /** A copy of the encoder: `x` (and one-hot `label`) -> `[mean, logVar]`, each `[batch, latentDim]`. */
  encoder: tfl.LayersModel;
  /**
   * The decoder in data space, named `vae_decoder`: `z` `[batch, latentDim]` (and one-hot
   * `label`) -> the likelihood's mean `[batch, ...inputShape]` (probabilities for Bernoulli).
   */
  decoder: tfl.LayersModel;
}

/**
 * Exports a `VAE` as standard `tf.LayersModel`s: one graph from input to reconstruction
 * through a {@link Sampling} layer, plus an encoder and a decoder, usable with `predict`,
 * `summary` and `save` (or {@link saveLayersModel}). The saved JSON is Keras-format topology
 * whose only custom class is `VaeSampling`.
 *
 * The likelihood's mean is added with standard layers: a sigmoid `Activation` for Bernoulli
 * logits, a linear one for Gaussians, and a frozen selecting `Dense` for per-pixel learned
 * variance. Conditional VAEs take `[x, label]` with `label` one-hot `[batch, numClasses]`
 * (the form their networks take).
 *
 * @param vae - A VAE whose encoder and decoder are `tf.LayersModel`s (every builder makes those).
 * @param options - `seed` and `meanAtInference` of the Sampling layer.
 * @returns `{ vae, encoder, decoder }`, new models that own copies of the weights.
 * @throws `ModelFormatError` when the encoder or decoder is a function.
 * @throws `DisposedError` when the VAE was disposed.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import * as tf from '@tensorflow/tfjs-core';
 * import { buildMlpVAE } from '@vae/core';
 * import { toLayersModel } from '@vae/layers';
 *
 * const vae = buildMlpVAE({ inputShape: [8, 8, 1], hiddenUnits: [16], latentDim: 2 });
 * const models = toLayersModel(vae, { meanAtInference: true });
 * models.vae.summary();
 * const x = tf.randomUniform([4, 8, 8, 1]);
 * const pictures = models.vae.predict(x) as tf.Tensor; // [4, 8, 8, 1] probabilities
 * tf.dispose([x, pictures]);
 * for (const m of [models.vae, models.encoder, models.decoder]) m.dispose();
 * vae.dispose();
 * ```
 * @category Models
 */
export function toLayersModel(vae: VAE, options: ToLayersModelOptions = {}): VAELayersModels {
  const where = 'toLayersModel';
  if (vae.isDisposed) {
    throw new DisposedError(
      `${where}: this VAE was disposed and its weights are gone. Export it before vae.dispose().`,
      {
        method: where,
      },
    );
  }
  const encoderNet = vae.encoder;
  const decoderNet = vae.decoder;
  for (const [network, net] of [
    ['encoder', encoderNet],
    ['decoder', decoderNet],
  ] as const) {
    if (typeof net === 'function') {
      throw new ModelFormatError(
        `${where}: the ${network} is a function, and a single-graph model needs tf.LayersModel networks. Build the ${network} with tfl.model or tfl.sequential (or use a builder such as buildMlpVAE or buildConvVAE), then pass it to buildVAE.`,
      );
    }
  }
  const encoderModel = encoderNet as tfl.LayersModel;
  const decoderModel = decoderNet as tfl.LayersModel;
  const conditional = vae.numClasses > 0;
  const labelInput = () => (conditional ? tfl.input({ shape: [vae.numClasses], name: 'label' }) : undefined);

  // Each returned model gets its own copies: tfjs disposes a nested model fully with its parent,
  // so a network shared by two of the returned models could not be disposed in any order.
  const x = tfl.input({ shape: [...vae.inputShape], name: 'x' });
  const label = labelInput();
  const [mean, logVar] = copyModel(encoderModel).apply(label ? [x, label] : x) as tfl.SymbolicTensor[];
  const z = new Sampling({
    name: 'sampling',
    seed: options.seed,
    meanAtInference: options.meanAtInference ?? false,
  }).apply([mean!, logVar!]) as tfl.SymbolicTensor;
  const params = copyModel(decoderModel).apply(label ? [z, label] : z) as tfl.SymbolicTensor;
  const reconstruction = applyLikelihoodMean(vae.likelihood, params, vae.inputShape, 'likelihood_mean');
  const whole = tfl.model({ inputs: label ? [x, label] : x, outputs: reconstruction, name: 'vae' });

  const encoder = copyModel(encoderModel);

  const zIn = tfl.input({ shape: [vae.latentDim], name: 'z' });
  const labelIn = labelInput();
  const decoded = copyModel(decoderModel).apply(labelIn ? [zIn, labelIn] : zIn) as tfl.SymbolicTensor;
  const meanOut = applyLikelihoodMean(vae.likelihood, decoded, vae.inputShape, 'likelihood_mean');
  const decoder = tfl.model({ inputs: labelIn ? [zIn, labelIn] : zIn, outputs: meanOut, name: 'vae_decoder' });
  return { vae: whole, encoder, decoder };
}

/** A new model with the same architecture and a copy of the weights. */
function copyModel(model: tfl.LayersModel): tfl.LayersModel {
  const cls = model.constructor as typeof tfl.LayersModel;
  const copy = cls.fromConfig(cls, model.getConfig(), {}, true) as tfl.LayersModel;
  const weights = model.getWeights();
  copy.setWeights(weights);
  return copy;
}
