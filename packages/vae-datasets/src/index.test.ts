import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from './index.js';

describe('@vae/datasets', () => {
  it('names itself', () => {
    expect(PACKAGE_NAME).toBe('@vae/datasets');
  });
});
