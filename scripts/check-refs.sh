#!/usr/bin/env bash
# Comments, docs, tests and scripts point only inside the repository: no path to a notes file
# (`notes/<name>.md`: the repository has no notes folder, so such a path leads outside it) and
# no numbered issue of a tracker the reader may not have. Tracked and untracked (not ignored)
# files; exit 1 and the lines found when there is one. Run by scripts/test-fast.sh and scripts/test.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
pattern='(^|[^A-Za-z0-9_-])notes/[A-Za-z0-9_-]+\.md|\bissues? #?[0-9]|\bissue-[0-9]'
if git grep --untracked -n -I -i -E "$pattern" -- . ':!package-lock.json' ':!scripts/check-refs.sh'; then
  echo "check-refs: references to places outside the repository (above)"
  exit 1
fi
echo "check-refs: no references outside the repository"
