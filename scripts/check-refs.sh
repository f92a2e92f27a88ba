#!/usr/bin/env bash
# Comments, docs, tests and scripts point only inside the repository: no path into a shared
# notes folder and no numbered issue. Tracked and untracked (not ignored) files; exit 1 and the
# lines found when there is one. Run by scripts/test-fast.sh and scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
pattern='shared/notes|\bissues? #?[0-9]|\bissue-[0-9]'
if git grep --untracked -n -I -i -E "$pattern" -- . ':!package-lock.json' ':!scripts/check-refs.sh'; then
  echo "check-refs: references to places outside the repository (above)"
  exit 1
fi
echo "check-refs: no references outside the repository"
