import { describe, expect, it } from 'vitest';
import { PACKAGE_NAME } from './index.js';

describe('@vae/backends', () => {
  it('names itself', () => {
    expect(PACKAGE_NAME).toBe('@vae/backends');
  });
});
