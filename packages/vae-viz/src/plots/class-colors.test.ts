import { ConfigError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { CLASS_COLORS, classColor, classColorBytes } from './class-colors.js';
import { latentScatter } from './latent-scatter.js';

describe('class colours', () => {
  it('gives ten distinct colours and cycles beyond ten', () => {
    expect(new Set(CLASS_COLORS).size).toBe(10);
    for (const color of CLASS_COLORS) expect(color).toMatch(/^#[0-9a-f]{6}$/);
    expect(classColor(0)).toBe(CLASS_COLORS[0]);
    expect(classColor(13)).toBe(CLASS_COLORS[3]);
    expect(Object.isFrozen(CLASS_COLORS)).toBe(true);
  });

  it('gives the same colour as bytes, for pixels', () => {
    // '#ff7f0e' read by hand: ff = 255, 7f = 127, 0e = 14.
    expect(classColorBytes(1)).toEqual([255, 127, 14]);
    for (let label = 0; label < 10; label++) {
      const hex = classColorBytes(label)
        .map((byte) => byte.toString(16).padStart(2, '0'))
        .join('');
      expect(`#${hex}`).toBe(classColor(label));
    }
  });

  it('refuses labels that are not class ids, naming the function', () => {
    expect(() => classColor(-1)).toThrow(ConfigError);
    expect(() => classColor(1.5)).toThrow(/classColor: label must be a non-negative integer class id, got 1\.5/);
    expect(() => classColorBytes(Number.NaN)).toThrow(/classColorBytes: label must be/);
  });

  it('is the palette of the latent scatter: points and legend of class 2 use classColor(2)', () => {
    const svg = latentScatter(
      [
        [0, 0],
        [1, 1],
      ],
      [2, 12],
    );
    expect(svg).toContain(`fill="${classColor(2)}" fill-opacity="0.75" data-label="2"`);
    expect(svg).toContain(`fill="${classColor(12)}" fill-opacity="0.75" data-label="12"`);
    expect(svg).toMatch(new RegExp(`data-label="2"><circle [^>]*fill="${classColor(2)}"`));
  });
});
