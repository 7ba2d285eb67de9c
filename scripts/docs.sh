#!/usr/bin/env bash
# `npm run docs`: builds the docs site (guides and API reference) into docs/api from any state of
# a clone, set-up included like `npm run demo` and `npm test`: pnpm through corepack and the
# dependencies when they are missing, then turbo builds the documented packages (cached), runs
# each package's own docs check and the site build, which fails on typedoc warnings and on the
# site checks of docs/typedoc/plugin.mjs. Open the result with `npm run docs:serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ ! -x node_modules/.bin/turbo ]; then
  pnpm install --frozen-lockfile
fi
exec pnpm exec turbo run docs docs:site "$@"
