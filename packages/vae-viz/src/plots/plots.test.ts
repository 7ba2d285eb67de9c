import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vae/core';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { describe, expect, it } from 'vitest';
import { expectNoTensorLeak } from '../../test/helpers.js';
import { latentScatter } from './latent-scatter.js';
import { lossCurves } from './loss-curves.js';
import { pcaProject } from './pca.js';
import { niceTicks } from './svg.js';

function parse(svg: string) {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, message) => errors.push(`${level}: ${message}`) }).parseFromString(
    svg,
    'image/svg+xml',
  );
  expect(errors).toEqual([]);
  const root = doc.documentElement!;
  expect(root.tagName).toBe('svg');
  return root;
}

function all(root: Element, tag: string): Element[] {
  return Array.from(root.getElementsByTagName(tag));
}

function byClass(root: Element, className: string): Element[] {
  return all(root, '*').filter((e) => (e.getAttribute('class') ?? '').split(' ').includes(className));
}

function textOf(element: Element): string {
  if (element.tagName === 'text') return element.textContent ?? '';
  return all(element, 'text')
    .map((t) => t.textContent ?? '')
    .join('|');
}

describe('niceTicks', () => {
  it('chooses round steps that cover the data', () => {
    expect(niceTicks(0, 10, 5).ticks).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.13, 0.87, 4).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(152.3, 187.9, 5).ticks).toEqual([150, 160, 170, 180, 190]);
    expect(niceTicks(3, 3).ticks.length).toBeGreaterThan(1);
  });
});

describe('pcaProject', () => {
  it('finds the principal axes of data with known structure', () => {
    // Points on the line y = 2x in 3-D with a small spread along z: PC1 = (1, 2, 0) / sqrt(5).
    const points = [-2, -1, 0, 1, 2].map((t, i) => [t, 2 * t, i % 2 === 0 ? 0.1 : -0.1]);
    const { components, explainedVarianceRatio, points: projected } = pcaProject(points, 2);
    expect(components[0]![0]).toBeCloseTo(1 / Math.sqrt(5), 8);
    expect(components[0]![1]).toBeCloseTo(2 / Math.sqrt(5), 8);
    expect(Math.abs(components[1]![2]!)).toBeCloseTo(1, 6);
    // Variance along PC1: 5 * var(t) = 5 * 2.5 = 12.5; along z: 0.012 (sample variance of +-0.1 pattern).
    const zVar = (3 * (0.1 - 0.02) ** 2 + 2 * (-0.1 - 0.02) ** 2) / 4;
    expect(explainedVarianceRatio[0]).toBeCloseTo(12.5 / (12.5 + zVar), 8);
    expect(projected[4]![0]).toBeCloseTo(2 * Math.sqrt(5), 8);
  });

  it('rejects too few points and ragged rows', () => {
    expect(() => pcaProject([[1, 2, 3]])).toThrow(ShapeError);
    expect(() =>
      pcaProject([
        [1, 2, 3],
        [1, 2],
      ]),
    ).toThrow(/ragged/);
  });
});

describe('latentScatter', () => {
  it('draws one circle per point, both axes with labels, and one legend entry per class', () => {
    const svg = latentScatter(
      [
        [0, 0],
        [1, 2],
        [-1, 0.5],
        [0.5, -1],
      ],
      [0, 2, 2, 0],
      { classNames: ['zero', 'one', 'two'] },
    );
    const root = parse(svg);
    const circles = all(byClass(root, 'points')[0]!, 'circle');
    expect(circles).toHaveLength(4);
    expect(circles.map((c) => c.getAttribute('data-label'))).toEqual(['0', '2', '2', '0']);
    // Same class, same colour; different class, different colour.
    expect(circles[0]!.getAttribute('fill')).toBe(circles[3]!.getAttribute('fill'));
    expect(circles[0]!.getAttribute('fill')).not.toBe(circles[1]!.getAttribute('fill'));
    // Higher z[1] is higher on the page (smaller y).
    expect(Number(circles[1]!.getAttribute('cy'))).toBeLessThan(Number(circles[0]!.getAttribute('cy')));
    expect(Number(circles[1]!.getAttribute('cx'))).toBeGreaterThan(Number(circles[0]!.getAttribute('cx')));
    const entries = byClass(root, 'legend-entry');
    expect(entries.map((e) => textOf(e))).toEqual(['zero', 'two']);
    const [yAxis, xAxis] = [byClass(root, 'axis-y')[0]!, byClass(root, 'axis-x')[0]!];
    expect(textOf(byClass(xAxis, 'axis-label')[0]!)).toBe('z[0]');
    expect(textOf(byClass(yAxis, 'axis-label')[0]!)).toBe('z[1]');
    expect(byClass(xAxis, 'tick').length).toBeGreaterThan(2);
    expect(textOf(root)).toContain('Latent space');
  });

  it('projects latents above two dimensions with PCA and names the components', () => {
    const means = tf.tensor2d([
      [0, 0, 0],
      [1, 1, 0],
      [2, 2, 0.1],
      [3, 3, 0],
    ]);
    const labels = tf.oneHot(tf.tensor1d([1, 1, 0, 0], 'int32'), 2);
    const root = parse(latentScatter(means, labels));
    expect(textOf(byClass(byClass(root, 'axis-x')[0]!, 'axis-label')[0]!)).toMatch(
      /^PC1 \(\d+(\.\d)?% of variance, 3-D latent\)$/,
    );
    expect(all(byClass(root, 'points')[0]!, 'circle').map((c) => c.getAttribute('data-label'))).toEqual([
      '1',
      '1',
      '0',
      '0',
    ]);
    expectNoTensorLeak(() => latentScatter(means, labels));
    tf.dispose([means, labels]);
  });

  it('plots without labels and escapes titles', () => {
    const root = parse(
      latentScatter(
        [
          [0, 1],
          [1, 0],
        ],
        undefined,
        { title: 'a < b & "c"' },
      ),
    );
    expect(byClass(root, 'legend')).toHaveLength(0);
    expect(textOf(root)).toContain('a < b & "c"');
  });

  it('rejects labels that do not match and non-matrix means', () => {
    expect(() =>
      latentScatter(
        [
          [0, 0],
          [1, 1],
        ],
        [0],
      ),
    ).toThrow(/labels must be 2 non-negative integers/);
    const cube = tf.zeros([2, 2, 2]);
    expect(() => latentScatter(cube)).toThrow(ShapeError);
    expect(() =>
      latentScatter(
        [
          [0, 0, 0],
          [1, 1, 1],
          [2, 2, 2],
        ],
        undefined,
        { project: 'dims', dims: [0, 3] },
      ),
    ).toThrow(ConfigError);
    cube.dispose();
  });
});

describe('lossCurves', () => {
  const history = [
    { epoch: 1, loss: 200, valLoss: 180, reconstruction: 190, valReconstruction: 172, kl: 10, valKl: 8 },
    { epoch: 2, loss: 150, valLoss: 155, reconstruction: 138, valReconstruction: 141, kl: 12, valKl: 14 },
    { epoch: 3, loss: 140, valLoss: 150, reconstruction: 127, valReconstruction: 136, kl: 13, valKl: 14 },
  ];

  it('draws loss, reconstruction and KL panels with training and validation series', () => {
    const root = parse(lossCurves(history));
    const panels = byClass(root, 'panel');
    expect(panels.map((p) => p.getAttribute('data-metric'))).toEqual(['loss', 'reconstruction', 'kl']);
    for (const panel of panels) {
      const lines = all(panel, 'polyline');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect((line.getAttribute('points') ?? '').split(' ')).toHaveLength(3);
      expect(byClass(panel, 'legend-entry').map((e) => textOf(e))).toEqual(['training', 'validation']);
      expect(textOf(byClass(byClass(panel, 'axis-x')[0]!, 'axis-label')[0]!)).toBe('epoch');
      expect(textOf(byClass(byClass(panel, 'axis-y')[0]!, 'axis-label')[0]!)).toBe('nats per example');
      expect(byClass(byClass(panel, 'axis-x')[0]!, 'tick').map((t) => t.getAttribute('data-value'))).toEqual([
        '1',
        '2',
        '3',
      ]);
    }
    const loss = all(panels[0]!, 'polyline').find((l) => l.getAttribute('data-key') === 'loss')!;
    const ys = (loss.getAttribute('points') ?? '').split(' ').map((p) => Number(p.split(',')[1]));
    expect(ys[0]).toBeLessThan(ys[1]!); // loss falls, so the line goes down the page
    expect(
      all(panels[0]!, 'polyline')
        .find((l) => l.getAttribute('data-key') === 'valLoss')!
        .getAttribute('stroke-dasharray'),
    ).toBe('6 4');
  });

  it('names the x axis and the point tooltips by what the records count (xLabel)', () => {
    const steps = [
      { epoch: 0, loss: 300 },
      { epoch: 200, loss: 180 },
      { epoch: 400, loss: 150 },
    ];
    const root = parse(lossCurves(steps, { xLabel: 'iteration' }));
    const panel = byClass(root, 'panel')[0]!;
    expect(textOf(byClass(byClass(panel, 'axis-x')[0]!, 'axis-label')[0]!)).toBe('iteration');
    expect(all(panel, 'title').map((t) => t.textContent)).toEqual([
      'iteration 0: 300',
      'iteration 200: 180',
      'iteration 400: 150',
    ]);
    expect(lossCurves(steps, { xLabel: 'iteration' })).not.toMatch(/>epoch/);
    // Per-epoch histories keep their axis.
    expect(textOf(byClass(byClass(parse(lossCurves(steps)), 'axis-x')[0]!, 'axis-label')[0]!)).toBe('epoch');
  });

  it('accepts { epochs }, keeps only the metrics that are logged and skips non-finite values', () => {
    const root = parse(lossCurves({ epochs: [{ loss: 3 }, { loss: Number.NaN }, { loss: 2 }] }));
    const panels = byClass(root, 'panel');
    expect(panels.map((p) => p.getAttribute('data-metric'))).toEqual(['loss']);
    expect((all(panels[0]!, 'polyline')[0]!.getAttribute('points') ?? '').split(' ')).toHaveLength(2);
    expect(all(panels[0]!, 'circle')).toHaveLength(2);
  });

  it('reads { epochs: numbers, logs } and tfjs-style column histories', () => {
    const paired = parse(
      lossCurves({
        epochs: [5, 6],
        logs: [
          { loss: 3, valLoss: 4 },
          { loss: 2, valLoss: 3 },
        ],
      }),
    );
    expect(byClass(byClass(paired, 'axis-x')[0]!, 'tick').map((t) => t.getAttribute('data-value'))).toEqual(['5', '6']);
    const columns = parse(lossCurves({ epoch: [0, 1, 2], history: { loss: [3, 2, 1], val_loss: [4, 3, 2] } }));
    const keys = all(columns, 'polyline').map((l) => l.getAttribute('data-key'));
    expect(keys).toEqual(['loss', 'valLoss']);
    expect(byClass(byClass(columns, 'axis-x')[0]!, 'tick').map((t) => t.getAttribute('data-value'))).toEqual([
      '1',
      '2',
      '3',
    ]);
  });

  it('draws an empty history as a message and rejects what is not a history', () => {
    expect(textOf(parse(lossCurves([])))).toContain('No epochs logged yet.');
    expect(() => lossCurves({} as never)).toThrow(ConfigError);
    expect(() => lossCurves({} as never)).toThrow(/array of per-epoch logs/);
  });
});
