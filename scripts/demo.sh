#!/usr/bin/env bash
# The main job: set everything up, then run the demo's default training on embedded MNIST.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
pnpm --filter @vae/demo run demo "$@"
