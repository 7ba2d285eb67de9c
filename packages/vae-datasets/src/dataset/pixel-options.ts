import { ConfigError } from '@vae/core';

/**
 * How pixel values are turned into the float32 values of a batch. Shared by every loader of
 * image data (embedded MNIST, IDX files, image folders, {@link datasetFromArrays}).
 *
 * @category Datasets
 */
export interface PixelOptions {
  /**
   * Divide 8-bit values by 255 so examples lie in [0, 1]. Ignored for float data and when
   * binarising (binary values are always 0 or 1).
   * @defaultValue true
   */
  normalize?: boolean;
  /**
   * Turn intensities into 0/1: `'none'` keeps grey levels; `'static'` gives 1 where the intensity
   * is at least `threshold`; `'dynamic'` draws each pixel as Bernoulli(intensity), anew for each
   * epoch, from `binarizeSeed` (the usual choice for Bernoulli-likelihood VAEs).
   * @defaultValue 'none'
   */
  binarize?: 'none' | 'static' | 'dynamic';
  /**
   * Intensity threshold in [0, 1] of static binarisation.
   * @defaultValue 0.5
   */
  threshold?: number;
  /**
   * Seed of dynamic binarisation: the draw for a given example and epoch depends only on this
   * seed, the epoch and the example, never on batch order.
   * @defaultValue 0
   */
  binarizeSeed?: number;
  /**
   * Give each example as a flat vector (`[784]`) instead of an image (`[28, 28, 1]`).
   * @defaultValue false
   */
  flatten?: boolean;
}

/** {@link PixelOptions} with every default filled in. */
export interface ResolvedPixelOptions {
  normalize: boolean;
  binarize: 'none' | 'static' | 'dynamic';
  threshold: number;
  binarizeSeed: number;
  flatten: boolean;
}

/** The defaults of {@link PixelOptions}. */
export const PIXEL_DEFAULTS: Readonly<ResolvedPixelOptions> = Object.freeze({
  normalize: true,
  binarize: 'none',
  threshold: 0.5,
  binarizeSeed: 0,
  flatten: false,
});

/** Fills defaults into pixel options and validates them; `where` names the caller in messages. */
export function resolvePixelOptions(options: PixelOptions, where: string): ResolvedPixelOptions {
  const resolved: ResolvedPixelOptions = { ...PIXEL_DEFAULTS };
  for (const key of Object.keys(PIXEL_DEFAULTS) as (keyof ResolvedPixelOptions)[]) {
    const value = options[key];
    if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  }
  if (!['none', 'static', 'dynamic'].includes(resolved.binarize)) {
    throw new ConfigError(
      `${where}: binarize must be 'none', 'static' or 'dynamic', got ${JSON.stringify(resolved.binarize)}.`,
      { field: 'binarize', expected: "'none' | 'static' | 'dynamic'", got: resolved.binarize },
    );
  }
  if (!(resolved.threshold >= 0 && resolved.threshold <= 1)) {
    throw new ConfigError(
      `${where}: threshold must be in [0, 1], got ${String(resolved.threshold)}. Pass e.g. { threshold: 0.5 }.`,
      {
        field: 'threshold',
        expected: 'a number in [0, 1]',
        got: resolved.threshold,
      },
    );
  }
  if (!Number.isInteger(resolved.binarizeSeed)) {
    throw new ConfigError(`${where}: binarizeSeed must be an integer, got ${String(resolved.binarizeSeed)}.`, {
      field: 'binarizeSeed',
      expected: 'an integer',
      got: resolved.binarizeSeed,
    });
  }
  return resolved;
}
