#!/usr/bin/env bash
# Installs everything the repository needs (pnpm through corepack, dependencies) and builds it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
pnpm install --frozen-lockfile
pnpm run build
