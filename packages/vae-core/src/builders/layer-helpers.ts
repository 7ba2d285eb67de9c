import * as tfl from '@tensorflow/tfjs-layers';
import { checkChoice } from '../internal/index.js';

/**
 * Activation of the hidden layers a builder makes. `'leakyRelu'` adds a LeakyReLU layer (slope
 * `leakyReluAlpha` below zero) after a linear layer; the others are tfjs activations.
 *
 * @category Models
 */
export type Activation =
  | 'relu'
  | 'leakyRelu'
  | 'elu'
  | 'selu'
  | 'tanh'
  | 'sigmoid'
  | 'softplus'
  | 'swish'
  | 'gelu'
  | 'linear';

/** Every accepted {@link Activation}. */
export const ACTIVATIONS: readonly Activation[] = [
  'relu',
  'leakyRelu',
  'elu',
  'selu',
  'tanh',
  'sigmoid',
  'softplus',
  'swish',
  'gelu',
  'linear',
];

/** Checks an activation name. */
export function checkActivation(where: string, field: string, value: unknown): Activation {
  return checkChoice(where, field, value, ACTIVATIONS);
}

/** A symbolic tensor of a functional model under construction. */
export type Sym = tfl.SymbolicTensor;

/** Hands out kernel initializers seeded one after another, or tfjs defaults without a seed. */
export class Initializers {
  private count = 0;
  constructor(private readonly seed: number | null) {}

  /** The next kernel initializer (glorot uniform, the tfjs default). */
  kernel(): ReturnType<typeof tfl.initializers.glorotUniform> | undefined {
    if (this.seed === null) return undefined;
    return tfl.initializers.glorotUniform({ seed: this.seed + 7919 * this.count++ });
  }

  /**
   * The next recurrent-kernel initializer: glorot uniform, not the tfjs default (orthogonal),
   * whose QR decomposition needs chained ops that tfjs-core alone does not register and takes
   * minutes for a 256-unit LSTM on the cpu backend.
   */
  recurrent(): ReturnType<typeof tfl.initializers.glorotUniform> {
    return tfl.initializers.glorotUniform(this.seed === null ? {} : { seed: this.seed + 7919 * this.count++ });
  }
}

/** Applies `layer` to a symbolic tensor (or list). */
export function apply(layer: tfl.layers.Layer, input: Sym | Sym[]): Sym {
  return layer.apply(input) as Sym;
}

/** The tfjs activation for a layer, `'linear'` when a separate LeakyReLU follows. */
export function layerActivation(activation: Activation): Exclude<Activation, 'leakyRelu'> {
  return activation === 'leakyRelu' ? 'linear' : activation;
}

/** Adds the LeakyReLU layer after a linear layer when asked; identity otherwise. */
export function afterActivation(t: Sym, activation: Activation, alpha: number): Sym {
  return activation === 'leakyRelu' ? apply(tfl.layers.leakyReLU({ alpha }), t) : t;
}

/** Dense layer + activation (+ dropout). */
export function dense(
  t: Sym,
  units: number,
  activation: Activation,
  alpha: number,
  init: Initializers,
  dropout = 0,
): Sym {
  let h = apply(
    tfl.layers.dense({ units, activation: layerActivation(activation), kernelInitializer: init.kernel() }),
    t,
  );
  h = afterActivation(h, activation, alpha);
  return dropout > 0 ? apply(tfl.layers.dropout({ rate: dropout }), h) : h;
}

/** Flattens a symbolic tensor of rank > 2; identity for rank 2. */
export function flatten(t: Sym): Sym {
  return t.shape.length > 2 ? apply(tfl.layers.flatten(), t) : t;
}

/** Dense layer to `prod(paramShape)` values (linear) reshaped to the parameter shape. */
export function paramHead(t: Sym, paramShape: readonly number[], init: Initializers, name = 'params'): Sym {
  const size = paramShape.reduce((a, b) => a * b, 1);
  const flat = apply(
    tfl.layers.dense({
      units: size,
      kernelInitializer: init.kernel(),
      name: paramShape.length === 1 ? name : undefined,
    }),
    t,
  );
  return paramShape.length === 1 ? flat : apply(tfl.layers.reshape({ targetShape: [...paramShape], name }), flat);
}

/** The two linear heads of an encoder: `[mean, logVar]`, each `[batch, latentDim]`. */
export function gaussianHeads(t: Sym, latentDim: number, init: Initializers): [Sym, Sym] {
  const mean = apply(tfl.layers.dense({ units: latentDim, name: 'z_mean', kernelInitializer: init.kernel() }), t);
  const logVar = apply(tfl.layers.dense({ units: latentDim, name: 'z_log_var', kernelInitializer: init.kernel() }), t);
  return [mean, logVar];
}
