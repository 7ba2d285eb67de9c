# Sourced by the set-up, demo and test scripts: makes pnpm (the version pinned in package.json)
# available through corepack on a machine that has only Node 20 and npm.
export TURBO_TELEMETRY_DISABLED=1
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_ENABLE_AUTO_PIN=0
export DO_NOT_TRACK=1
pinned="$(node -p "require('./package.json').packageManager.split('@')[1].split('+')[0]")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$pinned" ]; then
  if ! corepack enable pnpm >/dev/null 2>&1; then
    # No permission to write next to node: put the shim in a folder of the repository.
    mkdir -p .tools/bin
    corepack enable pnpm --install-directory .tools/bin
    export PATH="$PWD/.tools/bin:$PATH"
  fi
  hash -r
fi
if [ "$(pnpm --version 2>/dev/null || true)" != "$pinned" ]; then
  echo "set-up: could not make pnpm $pinned available through corepack (got '$(pnpm --version 2>&1 || true)')." >&2
  exit 1
fi
