#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: set-up, lint, typecheck, the dependency check,
# every package's tests, the docs build; ends with one line `N passed, N failed, N skipped`.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
step() {
  local name="$1"
  shift
  echo "::: $name"
  if ! "$@"; then
    echo "::: $name FAILED" >&2
    status=1
  fi
}
bash scripts/system-deps.sh
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
source scripts/env.sh
rm -f packages/*/.vitest-report.json apps/*/.vitest-report.json tooling/*/.vitest-report.json
step lint pnpm run lint
step typecheck pnpm run typecheck
step "dependency check" pnpm run deps:check
step tests pnpm exec turbo run test --concurrency=2 --continue
step docs pnpm run docs
node scripts/sum-test-reports.mjs || status=1
exit $status
