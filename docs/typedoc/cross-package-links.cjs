// Cross-package links (`{@link @vae/core!VAE}`) resolve only in the root site build, where every
// package is converted together. Each package's own check (`typedoc --emit none`, run from the
// package folder) cannot see the other packages, so there such links are mapped to a placeholder
// and left to the root build (`pnpm run docs`) to validate. The root build runs from the
// repository root and gets no mapping, so a wrong cross-package link fails there.
const { resolve } = require('node:path');

const repositoryRoot = resolve(__dirname, '../..');
const packages = ['@vae/core', '@vae/layers', '@vae/datasets', '@vae/viz', '@vae/backends'];
const isRootBuild = resolve(process.cwd()) === repositoryRoot;

module.exports = isRootBuild
  ? {}
  : {
      externalSymbolLinkMappings: Object.fromEntries(
        packages.map((name) => [name, { '*': 'https://vae.invalid/checked-by-the-root-docs-build' }]),
      ),
    };
