import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { ConfigError, EncoderContractError } from '../errors/index.js';
import { learnedGaussianLikelihood } from '../losses/index.js';
import { buildConditionalVAE, buildConvVAE, buildLstmVAE, buildMlpVAE, buildVAE } from './index.js';

/** Runs `fn`, expects an error of `type` and returns its message. */
function messageOf(fn: () => unknown, type: abstract new (...args: never[]) => Error): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return (error as Error).message;
  }
  return expect.unreachable('expected an error');
}

const twoOutputEncoder = (data: number[], latent = 2): tfl.LayersModel => {
  const x = tfl.input({ shape: data });
  const h = (data.length > 1 ? tfl.layers.flatten().apply(x) : x) as tfl.SymbolicTensor;
  const m = tfl.layers.dense({ units: latent }).apply(h) as tfl.SymbolicTensor;
  const v = tfl.layers.dense({ units: latent }).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: [m, v] });
};

describe('buildVAE: every variable a function network reads is trained or frozen', () => {
  // The custom-encoder guide's `(x) => ({ mean, logVar })`, reading two variables of its own.
  const functionEncoder = () => {
    const w = tf.variable(tf.randomNormal([6, 4], 0, 0.1, 'float32', 1), true, 'guide/encoder/w');
    const b = tf.variable(tf.zeros([4]), true, 'guide/encoder/b');
    const encoder = (x: tf.Tensor) => {
      const [mean, logVar] = tf.split(tf.add(tf.matMul(x, w), b), 2, 1);
      return { mean: mean as tf.Tensor, logVar: logVar as tf.Tensor };
    };
    return { w, b, encoder };
  };
  const decoder = () => tfl.sequential({ layers: [tfl.layers.dense({ units: 6, inputShape: [2] })] });

  it('refuses a function encoder whose variables are not passed, naming them and both fixes', () => {
    const { w, b, encoder } = functionEncoder();
    const before = tf.memory().numTensors;
    const dec = decoder();
    let error: EncoderContractError | undefined;
    try {
      buildVAE({ inputShape: [6], encoder, decoder: dec });
    } catch (e) {
      error = e as EncoderContractError;
    }
    expect(error).toBeInstanceOf(EncoderContractError);
    expect(error?.network).toBe('encoder');
    expect(error?.message).toBe(
      "buildVAE: the encoder function reads 2 trainable variables that training would never update: 'guide/encoder/w' [6, 4], 'guide/encoder/b' [4]. The VAE trains its models' weights and the variables you list, nothing else. Pass them as buildVAE({ variables: [...] }) to train them, or as { frozen: [...] } (or create them with tf.variable(value, false)) to keep them fixed on purpose.",
    );
    dec.dispose();
    // the trace (one call and its gradients on a probe batch) leaves nothing behind
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, b]);
  });

  it('names only the variables left out, and accepts them trained, frozen, or made non-trainable', () => {
    const { w, b, encoder } = functionEncoder();
    const partial = messageOf(
      () => buildVAE({ inputShape: [6], encoder, decoder: decoder(), variables: [w] }),
      EncoderContractError,
    );
    expect(partial).toMatch(/reads a trainable variable that training would never update: 'guide\/encoder\/b' \[4\]\./);
    expect(partial).not.toMatch(/guide\/encoder\/w/);

    const trained = buildVAE({ inputShape: [6], encoder, decoder: decoder(), variables: [w, b] });
    expect(trained.trainableVariables.slice(-2)).toEqual([w, b]);
    // the loss now moves the encoder: its variables get gradients (not a frozen encoder)
    const { grads } = tf.variableGrads(
      () => trained.lossTerms(tf.fill([4, 6], 0.5), { seed: 1 }).total,
      trained.trainableVariables,
    );
    expect(Object.keys(grads)).toEqual(expect.arrayContaining([w.name, b.name]));
    expect(tf.any(tf.notEqual(grads[w.name] as tf.Tensor, 0)).dataSync()[0]).toBe(1);
    tf.dispose(Object.values(grads));
    trained.dispose(); // disposes w and b with it

    const kept = functionEncoder();
    const frozen = buildVAE({ inputShape: [6], encoder: kept.encoder, decoder: decoder(), frozen: [kept.w, kept.b] });
    expect(frozen.trainableVariables).not.toContain(kept.w);
    frozen.dispose();
    expect(kept.w.isDisposed).toBe(false); // frozen variables stay the caller's

    const fixed = tf.variable(tf.ones([6, 4]), false);
    const byFlag = buildVAE({
      inputShape: [6],
      encoder: (x) => tf.split(tf.matMul(x, fixed), 2, 1) as [tf.Tensor, tf.Tensor],
      decoder: decoder(),
    });
    byFlag.dispose();
    tf.dispose([kept.w, kept.b, fixed]);
  });

  it('catches a function decoder reading the weights of a model it wraps', () => {
    const inner = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, inputShape: [2] })] });
    const message = messageOf(
      () =>
        buildVAE({
          encoder: twoOutputEncoder([6]),
          decoder: (z) => inner.apply(z) as tf.Tensor,
        }),
      EncoderContractError,
    );
    expect(message).toMatch(
      /^buildVAE: the decoder function reads 2 trainable variables .*kernel' \[2, 6\], .*bias' \[6\]/,
    );
    const vae = buildVAE({
      encoder: twoOutputEncoder([6]),
      decoder: (z) => inner.apply(z) as tf.Tensor,
      variables: inner.trainableWeights.map((v) => v.read() as tf.Variable),
    });
    expect(vae.countParams().total).toBe(6 * 4 + 4 + 2 * 6 + 6);
    vae.dispose();
  });

  it('refuses malformed variable lists and a variable both trained and frozen', () => {
    const v = tf.variable(tf.zeros([2]));
    expect(
      messageOf(
        () => buildVAE({ encoder: twoOutputEncoder([6]), decoder: decoder(), variables: [tf.zeros([2])] as never }),
        ConfigError,
      ),
    ).toMatch(/^buildVAE: variables must be a list of tf.Variable \(made with tf.variable\)/);
    expect(
      messageOf(
        () => buildVAE({ encoder: twoOutputEncoder([6]), decoder: decoder(), variables: [v], frozen: [v] }),
        ConfigError,
      ),
    ).toMatch(/is in both variables \(trained\) and frozen \(kept fixed\)/);
    v.dispose();
  });
});

describe('buildVAE: the decoder emits the likelihood parameter shape exactly unless an adapter is asked for', () => {
  it('refuses a flat decoder of the wrong size ([batch, 10] for data [8]) and names both fixes', () => {
    const message = messageOf(
      () =>
        buildVAE({
          encoder: twoOutputEncoder([8]),
          decoder: tfl.sequential({ layers: [tfl.layers.dense({ units: 10, inputShape: [2] })] }),
        }),
      EncoderContractError,
    );
    expect(message).toBe(
      "buildVAE: the decoder's output has shape [batch, 10]; the data has shape [batch, 8] and the bernoulli likelihood needs [batch, 8]. End the decoder with a layer of 8 units (linear), or pass { decoderHead: 'adapter' } to add a Dense + Reshape head.",
    );
    // a layer list is held to the same contract
    expect(
      messageOf(
        () =>
          buildVAE({
            inputShape: [8],
            latentDim: 2,
            encoder: [tfl.layers.dense({ units: 4 })],
            decoder: [tfl.layers.dense({ units: 10 })],
          }),
        EncoderContractError,
      ),
    ).toMatch(/output has shape \[batch, 10\]; the data has shape \[batch, 8\]/);
  });

  it('refuses a flat [784] decoder for [28, 28, 1] data and says to reshape, not to add 615,440 weights', () => {
    const flat = () => tfl.sequential({ layers: [tfl.layers.dense({ units: 784, inputShape: [2] })] });
    const message = messageOf(
      () => buildVAE({ encoder: twoOutputEncoder([28, 28, 1]), decoder: flat() }),
      EncoderContractError,
    );
    expect(message).toBe(
      "buildVAE: the decoder's output has shape [batch, 784]; the data has shape [batch, 28, 28, 1] and the bernoulli likelihood needs [batch, 28, 28, 1]. It has the right number of values (784), only flat: end the decoder with tf.layers.reshape({ targetShape: [28, 28, 1] }).",
    );
    const reshaped = tfl.sequential({
      layers: [tfl.layers.dense({ units: 784, inputShape: [2] }), tfl.layers.reshape({ targetShape: [28, 28, 1] })],
    });
    const vae = buildVAE({ encoder: twoOutputEncoder([28, 28, 1]), decoder: reshaped });
    expect(vae.countParams().decoder).toBe(2352);
    vae.dispose();
  });

  it("attaches the Dense + Reshape head only with { decoderHead: 'adapter' }", () => {
    const vae = buildVAE({
      encoder: twoOutputEncoder([4, 4, 1]),
      decoder: tfl.sequential({ layers: [tfl.layers.dense({ units: 5, inputShape: [2], activation: 'relu' })] }),
      decoderHead: 'adapter',
    });
    expect(vae.config.architecture).toMatchObject({ decoderHeadAttached: true });
    // 2*5+5 of the body, 5*16+16 of the head
    expect(vae.countParams().decoder).toBe(15 + 96);
    expect(vae.decodeParams(tf.zeros([1, 2])).shape).toEqual([1, 4, 4, 1]);
    vae.dispose();
    // a decoder that already fits gets no head, adapter or not
    const exact = buildVAE({
      encoder: twoOutputEncoder([3]),
      decoder: tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2] })] }),
      decoderHead: 'adapter',
    });
    expect(exact.config.architecture).toMatchObject({ decoderHeadAttached: false });
    exact.dispose();
    expect(
      messageOf(
        () => buildVAE({ encoder: twoOutputEncoder([3]), decoder: (z) => tf.tile(z, [1, 2]), decoderHead: 'adapter' }),
        ConfigError,
      ),
    ).toMatch(/decoderHead 'adapter' applies to layer and model decoders; this decoder is a function/);
    expect(
      messageOf(
        () =>
          buildVAE({
            encoder: twoOutputEncoder([3]),
            decoder: tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2] })] }),
            decoderHead: 'auto' as 'none',
          }),
        ConfigError,
      ),
    ).toMatch(/decoderHead must be one of/);
  });

  it('names the channels a per-pixel learned variance needs', () => {
    const decoder = tfl.sequential({
      layers: [tfl.layers.dense({ units: 12, inputShape: [2] }), tfl.layers.reshape({ targetShape: [2, 2, 3] })],
    });
    expect(
      messageOf(
        () =>
          buildVAE({
            encoder: twoOutputEncoder([2, 2, 3]),
            decoder,
            likelihood: learnedGaussianLikelihood({ variance: 'pixel' }),
          }),
        EncoderContractError,
      ),
    ).toMatch(
      /the data has shape \[batch, 2, 2, 3\] and the learned-gaussian likelihood needs \[batch, 2, 2, 6\] \(mean and log-variance channels side by side\)\. End the decoder with a layer that emits \[2, 2, 6\]/,
    );
  });
});

describe('buildVAE: a Bernoulli decoder emits logits, whatever follows its last activation', () => {
  const encoder = () => twoOutputEncoder([2, 3]);
  it('finds a sigmoid behind a Reshape, a Flatten, an Activation layer or a nested model', () => {
    const cases: Array<[string, () => tfl.LayersModel, RegExp]> = [
      [
        'sigmoid then Reshape',
        () =>
          tfl.sequential({
            layers: [
              tfl.layers.dense({ units: 6, inputShape: [2], activation: 'sigmoid', name: 'probs' }),
              tfl.layers.reshape({ targetShape: [2, 3] }),
            ],
          }),
        /ends in a sigmoid, but the Bernoulli likelihood expects logits .*; layer 'probs' applies it before Reshape\. Remove that activation/,
      ],
      [
        'Activation layer then Dropout',
        () =>
          tfl.sequential({
            layers: [
              tfl.layers.dense({ units: 6, inputShape: [2] }),
              tfl.layers.activation({ activation: 'sigmoid' }),
              tfl.layers.dropout({ rate: 0.1 }),
              tfl.layers.reshape({ targetShape: [2, 3] }),
            ],
          }),
        /ends in a sigmoid.*applies it before Dropout, Reshape/,
      ],
      [
        'nested model ending in a sigmoid',
        () => {
          const body = tfl.sequential({
            layers: [tfl.layers.dense({ units: 6, inputShape: [2], activation: 'sigmoid' })],
          });
          const z = tfl.input({ shape: [2] });
          const out = tfl.layers.reshape({ targetShape: [2, 3] }).apply(body.apply(z) as tfl.SymbolicTensor);
          return tfl.model({ inputs: z, outputs: out as tfl.SymbolicTensor });
        },
        /ends in a sigmoid/,
      ],
    ];
    for (const [name, make, pattern] of cases) {
      const message = messageOf(() => buildVAE({ encoder: encoder(), decoder: make() }), EncoderContractError);
      expect(message, name).toMatch(pattern);
    }
    // a layer list ending in a sigmoid is caught too
    expect(
      messageOf(
        () =>
          buildVAE({
            encoder: encoder(),
            decoder: [
              tfl.layers.dense({ units: 6, activation: 'sigmoid' }),
              tfl.layers.reshape({ targetShape: [2, 3] }),
            ],
          }),
        EncoderContractError,
      ),
    ).toMatch(/ends in a sigmoid/);
  });

  it('accepts a hidden sigmoid followed by a linear output, and a final sigmoid under a Gaussian', () => {
    const hidden = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 4, inputShape: [2], activation: 'sigmoid' }),
        tfl.layers.dense({ units: 6 }),
        tfl.layers.reshape({ targetShape: [2, 3] }),
      ],
    });
    buildVAE({ encoder: encoder(), decoder: hidden }).dispose();
    const gaussian = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 6, inputShape: [2], activation: 'sigmoid' }),
        tfl.layers.reshape({ targetShape: [2, 3] }),
      ],
    });
    buildVAE({ encoder: encoder(), decoder: gaussian, likelihood: 'gaussian' }).dispose();
  });
});

describe('every builder passes the contract checks', () => {
  it('MLP, conv, LSTM and conditional models build under each likelihood', () => {
    const likelihoods = [
      () => 'bernoulli' as const,
      () => 'gaussian' as const,
      () => learnedGaussianLikelihood({ variance: 'pixel' }),
    ];
    for (const make of likelihoods) {
      const likelihood = make();
      const made = [
        buildMlpVAE({ inputShape: [4, 4, 1], hiddenUnits: [3], latentDim: 2, likelihood }),
        buildConvVAE({ inputShape: [4, 4, 1], filters: [2], denseUnits: 0, latentDim: 2, likelihood }),
        buildLstmVAE({ inputShape: [4, 4], units: 2, decoderUnits: [3], latentDim: 2, likelihood }),
        buildConditionalVAE({ inputShape: [4, 4, 1], hiddenUnits: [3], latentDim: 2, numClasses: 2, likelihood }),
        buildConditionalVAE({
          variant: 'conv',
          inputShape: [4, 4, 1],
          filters: [2],
          denseUnits: 0,
          latentDim: 2,
          numClasses: 2,
          likelihood,
        }),
      ];
      for (const vae of made) {
        expect(vae.likelihood.kind).toBe(typeof likelihood === 'string' ? likelihood : 'learned-gaussian');
        expect(vae.config.architecture).not.toMatchObject({ decoderHeadAttached: true });
        vae.dispose();
      }
    }
  });
});
