import { BackendError } from '@vae/core';
import { describe, expect, it } from 'vitest';
import { checkTfjsVersion, installedTfjsVersions, TESTED_TFJS_VERSION } from './tfjs-version.js';

describe('checkTfjsVersion', () => {
  it('passes with the installed tfjs, which is the tested release', () => {
    expect(TESTED_TFJS_VERSION).toBe('4.22.0');
    expect(installedTfjsVersions()).toEqual({ core: '4.22.0', wasm: '4.22.0', cpu: '4.22.0' });
    expect(() => checkTfjsVersion()).not.toThrow();
  });

  it('throws a BackendError naming the package, both versions and the install that fixes it', () => {
    const call = () => checkTfjsVersion({ core: '4.21.0', wasm: '4.22.0', cpu: '4.22.0' });
    expect(call).toThrow(BackendError);
    expect(call).toThrow(/found @tensorflow\/tfjs-core 4\.21\.0\. .*npm install @tensorflow\/tfjs-core@4\.22\.0\)/);
    expect(call).toThrow(/internals of tfjs 4\.22\.0/);
  });

  it('lists every package that differs', () => {
    expect(() => checkTfjsVersion({ core: '4.22.0', wasm: '5.0.0', cpu: '4.20.0' })).toThrow(
      /@tensorflow\/tfjs-backend-wasm 5\.0\.0, @tensorflow\/tfjs-backend-cpu 4\.20\.0\. .*npm install @tensorflow\/tfjs-backend-wasm@4\.22\.0 @tensorflow\/tfjs-backend-cpu@4\.22\.0\)/,
    );
  });
});
