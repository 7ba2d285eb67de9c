import type { EpochLogs } from '@vae/core';
import { count, plural } from '../cli/words.js';
import type { TrainSettings } from './settings.js';

/**
 * Optimizer steps below which a VAE on images has not learned enough to draw anything but a
 * blur: the MLP preset's digits take shape after a few hundred steps, conv models need more.
 */
export const FEW_STEPS = 300;

/** Steps the advice aims for: enough for the MLP and conv presets to draw recognisable digits. */
const ENOUGH_STEPS = 1500;

/**
 * Nats per example below which the KL term says the codes carry almost nothing about the inputs
 * (the posterior stays at the prior), so every code decodes to about the same average image.
 */
export const COLLAPSED_KL = 0.5;

/** What a finished (or resumed) run did, as the diagnosis reads it. */
export interface RunOutcome {
  /** The run's settings (for the flags to suggest). */
  settings: TrainSettings;
  /** Optimizer steps taken in all. */
  steps: number;
  /** Per-epoch logs. */
  epochs: readonly EpochLogs[];
}

/**
 * Why a run's pictures will look grey and alike, if they will: too few optimizer steps, a KL term
 * near 0, or a loss that did not fall. Returns nothing for a run that learned; otherwise the
 * reasons, then one line with the flag to raise and a value for it.
 */
export function shortRunWarnings(outcome: RunOutcome): string[] {
  const { settings: s, steps, epochs } = outcome;
  const last = epochs[epochs.length - 1];
  const first = epochs[0];
  const reasons: string[] = [];
  if (steps < FEW_STEPS) {
    reasons.push(
      `It took only ${plural(steps, 'optimizer step')}; a VAE needs a few hundred at least before its pictures show more than an average blur.`,
    );
  }
  if (last !== undefined && Number.isFinite(last.kl) && last.kl < COLLAPSED_KL) {
    reasons.push(
      `Its KL term ended at ${last.kl.toFixed(3)} nats per example: the latent codes carry almost nothing about the inputs, so every code decodes to about the same image${s.model === 'conditional' ? ' for each class' : ''}.`,
    );
  }
  if (first !== undefined && last !== undefined && epochs.length >= 2 && !(last.loss < first.loss)) {
    reasons.push(
      `Its loss did not fall (${first.loss.toFixed(2)} after the first epoch, ${last.loss.toFixed(2)} after the last).`,
    );
  }
  if (reasons.length === 0) return [];
  return [...reasons, advice(s, steps, epochs)];
}

/** The flag to raise, with a value that reaches {@link ENOUGH_STEPS}. */
function advice(s: TrainSettings, steps: number, epochs: readonly EpochLogs[]): string {
  const batchesPerEpoch = epochs[0]?.batches ?? 0;
  const target = Math.max(ENOUGH_STEPS, steps * 3);
  const data = s.limit === null ? '' : `, or train on more data: raise --limit (${count(s.limit)} now) or drop it`;
  const epochsFor = (stepCount: number) =>
    batchesPerEpoch > 0 ? Math.ceil(stepCount / batchesPerEpoch) : Math.max(1, s.epochs) * 3;
  if (s.iterations !== null) {
    // --epochs bounds an iteration budget: raise it too when it would stop the run first.
    const bound = batchesPerEpoch > 0 && s.epochs * batchesPerEpoch < target ? ` --epochs ${epochsFor(target)}` : '';
    return `Train longer: --iterations ${target}${bound}${data}.`;
  }
  const epochCount = Math.max(epochsFor(target), s.epochs + 1);
  const stepsThen = batchesPerEpoch > 0 ? ` (${plural(epochCount * batchesPerEpoch, 'step')})` : '';
  return `Train longer: --epochs ${epochCount}${stepsThen}${data}.`;
}
