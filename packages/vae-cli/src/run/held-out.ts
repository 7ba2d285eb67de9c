import * as tf from '@tensorflow/tfjs-core';
import type { VAE } from '@vae/core';
import type { RunData } from './data.js';
import type { Showcase } from './pictures.js';

/** Most showcase examples the end of a run evaluates (the IWAE bound costs 20 decodings each). */
const EVALUATED = 200;
/** Importance samples of the end-of-run NLL estimate. */
const IMPORTANCE_SAMPLES = 20;

/**
 * Evaluates a trained model on the first showcase examples: the negative ELBO and the
 * importance-weighted NLL. Returns the console line and the metrics for `config.json` and the
 * report, both naming the examples as the `data:` line did; nothing when there are none.
 */
export async function evaluateHeldOut(
  vae: VAE,
  showcase: Showcase,
  data: RunData,
  seed: number,
): Promise<{ line: string; metrics: Record<string, number | string> } | undefined> {
  const n = Math.min(showcase.x.shape[0] as number, EVALUATED);
  if (n === 0) return undefined;
  const x = tf.slice(showcase.x, 0, n);
  const labels = showcase.labels && vae.numClasses > 0 ? tf.slice(showcase.labels, 0, n) : undefined;
  try {
    const conditional = labels ? { labels } : {};
    const elbo = await vae.evaluate(x, { batchSize: 100, seed, ...conditional });
    const nll = await vae.estimateNll(x, {
      importanceSamples: IMPORTANCE_SAMPLES,
      batchSize: 50,
      seed,
      ...conditional,
    });
    const words = data.showcaseWords(n);
    return {
      line: `evaluation on ${words}: negative ELBO ${elbo.loss.toFixed(2)} nats, IWAE NLL (k = ${IMPORTANCE_SAMPLES}) ${nll.nll.toFixed(2)} nats`,
      metrics: {
        'evaluated on': words,
        'negative ELBO (nats)': Number(elbo.loss.toFixed(3)),
        [`importance-weighted NLL, k = ${IMPORTANCE_SAMPLES} (nats)`]: Number(nll.nll.toFixed(3)),
      },
    };
  } finally {
    tf.dispose([x, ...(labels ? [labels] : [])]);
  }
}
