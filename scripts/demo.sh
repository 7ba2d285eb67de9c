#!/usr/bin/env bash
# The main job: set everything up, then run the CLI's default training (`vae demo`) on embedded MNIST.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
node packages/vae-cli/dist/cli.js demo "$@"
