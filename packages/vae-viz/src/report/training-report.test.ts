import * as tf from '@tensorflow/tfjs-core';
import { buildMlpVAE, ConfigError, ShapeError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { blobImages, decodeWithSharp, expectNoTensorLeak, linearVAE } from '../../test/helpers.js';
import { trainingReport } from './training-report.js';

const history = [
  { epoch: 1, loss: 200, valLoss: 180, reconstruction: 190, kl: 10 },
  { epoch: 2, loss: 150, valLoss: 155, reconstruction: 138, kl: 12 },
];

function sections(html: string): string[] {
  return [...html.matchAll(/data-section="([a-z]+)"/g)].map((m) => m[1]!);
}

function dataUris(html: string, mime: string): Uint8Array[] {
  return [...html.matchAll(new RegExp(`src="data:${mime};base64,([^"]+)"`, 'g'))].map(
    (m) => new Uint8Array(Buffer.from(m[1]!, 'base64')),
  );
}

describe('trainingReport', () => {
  it('shows config, metrics, curves and the per-epoch table without a model', () => {
    const html = trainingReport({
      title: 'Run <1>',
      description: 'MNIST & friends',
      config: { latentDim: 2, encoder: { filters: [32, 64] } },
      metrics: { 'test NLL (nats)': 141.234567 },
      history: { epochs: history },
      date: '2026-11-21',
    });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>Run &lt;1&gt;</title>');
    expect(html).toContain('MNIST &amp; friends · 2026-11-21');
    expect(html).toContain('<code>{&quot;filters&quot;:[32,64]}</code>');
    expect(html).toContain('<code>141.235</code>');
    expect(sections(html)).toEqual(['curves']);
    expect(html).toContain('<table class="epochs">');
    expect(html).not.toMatch(/<script|src="http|href="http/);
  });

  it('heads the curves once, and puts warnings first, escaped, one item each', () => {
    const html = trainingReport({
      title: 'Short',
      warnings: ['It took only 2 optimizer steps.', 'Train longer: --epochs 50 <more>.'],
      config: { epochs: 1 },
      history,
    });
    expect(html.match(/Training curves/g)).toHaveLength(1);
    expect(html).toContain('Loss (negative ELBO), reconstruction and KL per epoch');
    const main = html.slice(html.indexOf('<main>'));
    expect(main.indexOf('class="warnings"')).toBeGreaterThan(0);
    expect(main.indexOf('class="warnings"')).toBeLessThan(main.indexOf('class="config"'));
    expect(html).toContain(
      '<ul><li>It took only 2 optimizer steps.</li><li>Train longer: --epochs 50 &lt;more&gt;.</li></ul>',
    );
    expect(trainingReport({ history, warnings: [] })).not.toContain('class="warnings"');
  });

  it('says "1 example" and "N examples" in captions', () => {
    const vae = linearVAE(2);
    const { x } = blobImages(1);
    const one = trainingReport({ vae, data: { x } }, { walkFrames: 2, manifoldSteps: 3 });
    expect(one).toContain('(even rows), 1 example.');
    expect(one).toContain('Posterior means of 1 example.');
    x.dispose();
    const { x: three } = blobImages(3);
    const many = trainingReport({ vae, data: { x: three } }, { walkFrames: 2, manifoldSteps: 3 });
    expect(many).toContain('(even rows), 3 examples.');
    three.dispose();
    vae.dispose();
  });

  it('names where the examples come from in the captions made from them', () => {
    const vae = linearVAE(3);
    const { x } = blobImages(6);
    const html = trainingReport({ vae, data: { x, source: 'training images' } }, { walkFrames: 2, manifoldSteps: 3 });
    expect(html).toContain('(even rows), 6 examples (training images).');
    expect(html).toContain('Posterior means of 6 examples (training images)');
    expect(html).toContain('pairs of examples (training images)');
    expect(html).toContain('the first example (training images)');
    expect(html).not.toContain('held-out');
    const unnamed = trainingReport({ vae, data: { x } }, { walkFrames: 2, manifoldSteps: 3 });
    expect(unnamed).toContain('(even rows), 6 examples.');
    expect(unnamed).not.toContain('(training images)');
    x.dispose();
    vae.dispose();
  });

  it("shows a Model section with the summary and parameter counts, read from core's VAE when not given", () => {
    const vae = buildMlpVAE({ inputShape: [4, 4, 1], hiddenUnits: [8], latentDim: 2 });
    const counts = vae.countParams();
    const html = trainingReport({ vae, config: { latentDim: 2 } }, { skip: ['samples', 'manifold', 'walk'] });
    const model = html.slice(html.indexOf('<section class="model">'));
    expect(model.startsWith('<section class="model"><h2>Model</h2>')).toBe(true);
    const section = model.slice(0, model.indexOf('</section>'));
    expect(section).toContain(`<th scope="row">total</th><td><code>${counts.total.toLocaleString('en-US')}</code>`);
    expect(section).toContain(`<th scope="row">encoder</th><td><code>${counts.encoder}</code>`);
    expect(section).toContain('<pre class="summary">Model: &quot;encoder&quot;');
    expect(section).toContain('Model: &quot;decoder&quot;');
    // After the configuration, before the metrics and pictures.
    expect(html.indexOf('class="config"')).toBeLessThan(html.indexOf('class="model"'));
    expect(trainingReport({ vae }, { skip: ['model', 'samples', 'manifold', 'walk'] })).not.toContain('class="model"');
    const given = trainingReport({ model: { summary: 'enc <Dense>\ndec', parameters: { total: 1234567 } } });
    expect(given).toContain('<pre class="summary">enc &lt;Dense&gt;\ndec</pre>');
    expect(given).toContain('<code>1,234,567</code>');
    // A model without summary() (any VAELike) gets no section.
    const plain = linearVAE(2);
    expect(trainingReport({ vae: plain }, { skip: ['samples', 'manifold', 'walk'] })).not.toContain('class="model"');
    plain.dispose();
    vae.dispose();
  });

  it('computes every picture that applies to an image model, embedded as PNG and GIF data', async () => {
    const vae = linearVAE(3);
    const { x, labels } = blobImages(12);
    const html = trainingReport(
      { vae, data: { x, labels }, history, classNames: ['a', 'b', 'c'] },
      { walkFrames: 4, manifoldSteps: 5 },
    );
    expect(sections(html)).toEqual([
      'curves',
      'samples',
      'reconstructions',
      'manifold',
      'interpolation',
      'traversal',
      'walk',
      'scatter',
    ]);
    const pngs = dataUris(html, 'image/png');
    expect(pngs).toHaveLength(5);
    for (const png of pngs) {
      const { width, height } = await decodeWithSharp(png);
      expect(width).toBeGreaterThan(8);
      expect(height).toBeGreaterThan(8);
    }
    const sharp = (await import('sharp')).default;
    const gifs = dataUris(html, 'image/gif');
    expect(gifs).toHaveLength(1);
    expect((await sharp(gifs[0]!, { animated: true }).metadata()).pages).toBe(4);
    expect(html).toContain('PC1 (');
    expect(html).toMatch(/latent dimensions z\[\d\] \(across\) and z\[\d\] \(up\)/);
    expect(html).not.toContain('class="notes"');
    expectNoTensorLeak(() => trainingReport({ vae, data: { x, labels } }, { walkFrames: 2, manifoldSteps: 3 }));
    x.dispose();
    vae.dispose();
  });

  it('gives a conditional model rows and walks per class, encoding with each example’s label', () => {
    const vae = linearVAE(2, { numClasses: 3 });
    const { x, labels } = blobImages(6);
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const html = trainingReport(
      { vae, data: { x, labels: oneHot }, classNames: ['a', 'b', 'c'] },
      { walkFrames: 2, manifoldSteps: 3 },
    );
    expect(html).toContain('Samples by class');
    expect(html).toContain('Latent walks by class');
    expect(dataUris(html, 'image/gif')).toHaveLength(3);
    expect(() => trainingReport({ vae, data: { x } })).toThrow(/data.labels is needed/);
    expectNoTensorLeak(() => trainingReport({ vae, data: { x, labels } }, { walkFrames: 2, manifoldSteps: 3 }));
    tf.dispose([x, oneHot]);
    vae.dispose();
  });

  it('keeps only the scatter and curves for a model that does not decode images, and says why', () => {
    const vae = linearVAE(2, { flat: true });
    const { x } = blobImages(4);
    const html = trainingReport({ vae, data: { x }, history });
    expect(sections(html)).toEqual(['curves', 'scatter']);
    expect(html).toContain('Image pictures skipped');
    const withShape = trainingReport({ vae, data: { x }, imageShape: [8, 8] }, { skip: ['walk', 'manifold'] });
    expect(sections(withShape)).toEqual(['samples', 'reconstructions', 'interpolation', 'traversal', 'scatter']);
    x.dispose();
    vae.dispose();
  });

  it('includes extra pictures and rejects ambiguous ones', () => {
    const image = { width: 1, height: 1, data: new Uint8ClampedArray([9, 9, 9, 255]) };
    const html = trainingReport({
      pictures: [
        { title: 'Mine', image, caption: 'hi' },
        { title: 'Svg', svg: '<svg xmlns="http://www.w3.org/2000/svg"/>' },
      ],
    });
    expect(sections(html)).toEqual(['extra', 'extra']);
    expect(() => trainingReport({ pictures: [{ title: 'Both', image, svg: '<svg/>' }] })).toThrow(ConfigError);
    expect(() => trainingReport({ pictures: [{ title: 'None' }] })).toThrow(
      /exactly one of png, gif, svg or image, got none/,
    );
  });

  it('rejects data that is not a batch', () => {
    const vae = linearVAE(2);
    const scalar = tf.scalar(1);
    expect(() => trainingReport({ vae, data: { x: scalar } })).toThrow(ShapeError);
    scalar.dispose();
    vae.dispose();
  });
});
