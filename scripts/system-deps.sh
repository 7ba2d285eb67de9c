#!/usr/bin/env bash
# Debian packages the test suite uses: Chromium (headless page tests) and Fashion-MNIST (real data
# for the dataset tests). Installs what is missing when run as root with apt-get; otherwise says
# what is missing and carries on (the tests that need them then fail or say so visibly).
set -uo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || need+=(dataset-fashion-mnist)
[ ${#need[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "system deps: installing ${need[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || echo "system deps: apt-get could not install ${need[*]}" >&2
else
  echo "system deps: missing ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
fi
