import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from './index.js';

describe('@vae/layers', () => {
  it('names itself', () => {
    expect(PACKAGE_NAME).toBe('@vae/layers');
  });
});
