import type { JsonObject } from '@vae/core';
import { count, plural } from '../cli/words.js';
import type { TrainSettings } from './settings.js';

/**
 * The settings a run's `description` was written for (a preset, the demo's defaults, or a
 * `--config` file that describes itself), kept in `config.json` so that the report can say what
 * the run changed: a preset that says "10 epochs" is not quoted as is for a 1-epoch run.
 */
export interface Baseline {
  /** What the settings are, as a sentence names it: `the keras-mnist preset`, `the demo`. */
  name: string;
  /** The settings that shape training, as the description knows them. */
  settings: Partial<TrainSettings>;
}

/** The settings that decide what trains and how; title, seed, pictures and backend say nothing the description claims. */
const COMPARED = [
  'epochs',
  'iterations',
  'limit',
  'batchSize',
  'lr',
  'lrDecay',
  'every',
  'model',
  'architecture',
  'likelihood',
  'sigma',
  'latentDim',
  'beta',
  'dataset',
  'imageSize',
  'validationSplit',
] as const satisfies ReadonlyArray<keyof TrainSettings>;

/** The baseline of settings named `name`: the fields the description can speak of. */
export function baselineOf(name: string, settings: TrainSettings): Baseline {
  const picked: Partial<TrainSettings> = {};
  for (const key of COMPARED) (picked as Record<string, unknown>)[key] = structuredClone(settings[key]);
  return { name, settings: picked };
}

const json = (value: unknown) => JSON.stringify(value);

/** One changed setting in words, `run` instead of `base`. */
function change(key: (typeof COMPARED)[number], run: unknown, base: unknown): string[] {
  const n = run as number;
  const b = base as number;
  switch (key) {
    case 'epochs':
      return [`${plural(n, 'epoch')} instead of ${count(b)}`];
    case 'iterations':
      if (run === null) return [`no iteration budget instead of ${plural(b, 'iteration')}`];
      return [
        base === null ? `a budget of ${plural(n, 'iteration')}` : `${plural(n, 'iteration')} instead of ${count(b)}`,
      ];
    case 'limit':
      if (run === null) return [`all training examples instead of the first ${count(b)}`];
      return [`the first ${plural(n, 'training example')} instead of ${base === null ? 'all' : count(b)}`];
    case 'every':
      if (run === null) return [`nothing logged between epochs instead of every ${plural(b, 'iteration')}`];
      return [`the loss and pictures every ${plural(n, 'iteration')}${base === null ? '' : ` instead of ${count(b)}`}`];
    case 'batchSize':
      return [`batch ${n} instead of ${b}`];
    case 'lr':
      return [`learning rate ${n} instead of ${b}`];
    case 'latentDim':
      return [`a latent space of ${n} instead of ${b}`];
    case 'beta':
      return [`beta ${n} instead of ${b}`];
    case 'validationSplit':
      return [`validation split ${n} instead of ${b}`];
    case 'imageSize':
      return [`${n}x${n} images instead of ${b}x${b}`];
    case 'architecture': {
      const r = (run ?? {}) as JsonObject;
      const a = (base ?? {}) as JsonObject;
      return [...new Set([...Object.keys(a), ...Object.keys(r)])]
        .filter((k) => json(r[k]) !== json(a[k]))
        .map((k) => (k in a ? `${k} ${json(r[k]) ?? 'unset'} instead of ${json(a[k])}` : `${k} ${json(r[k])}`));
    }
    default:
      return [`${key} ${json(run)} instead of ${json(base)}`];
  }
}

/** What a run changed from its baseline, one phrase per change (`1 epoch instead of 10`); empty when nothing. */
export function changesFrom(baseline: Baseline, settings: TrainSettings): string[] {
  return COMPARED.filter((key) => key in baseline.settings).flatMap((key) => {
    const base = baseline.settings[key];
    const run = settings[key];
    return json(base) === json(run) ? [] : change(key, run, base);
  });
}

/**
 * The paragraph under a run's title: its description when the run kept the settings it was
 * written for, otherwise what the run changed first, then the description, named as what it
 * describes.
 */
export function runDescription(settings: TrainSettings, baseline: Baseline | undefined): string {
  const changes = baseline === undefined ? [] : changesFrom(baseline, settings);
  if (baseline === undefined || changes.length === 0) return settings.description;
  const name = baseline.name;
  return `This run changed ${name}: ${changes.join('; ')}. ${name[0]?.toUpperCase()}${name.slice(1)}: ${settings.description}`;
}
