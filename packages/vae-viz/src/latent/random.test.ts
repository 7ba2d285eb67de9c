import { describe, expect, it } from 'vitest';
import { normalSource } from './random.js';

describe('normalSource', () => {
  it('draws the pinned normal numbers for a seed, so seeded walks and reports stay as they were', () => {
    const normal = normalSource(5);
    expect([normal(), normal(), normal(), normal()]).toEqual([
      0.6988048106077522, -0.03756241556383698, -0.06926283304282604, -1.6654779120771273,
    ]);
  });
});
