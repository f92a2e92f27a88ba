#!/usr/bin/env bash
# Fuzzing (fuzz/README.md): `npm run fuzz -- [SECONDS] [TARGET...]` builds the cargo-fuzz targets
# once, replays the committed crash corpus (fuzz/regressions/), then runs each target for
# SECONDS (default 300) with one worker, one after the other, growing fuzz/corpus-work/<target>
# from the seeds in fuzz/corpus/<target>, and prints executions and findings per target.
# `--smoke` (for `npm test`): the same with 10 s per target (SECONDS overrides), a fresh corpus
# from the seeds only, and a failure on any crash. Needs nightly Rust and cargo-fuzz (setup.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

smoke=0
if [ "${1:-}" = "--smoke" ]; then smoke=1; shift; fi
secs=$([ "$smoke" = 1 ] && echo 10 || echo 300)
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then secs=$1; shift; fi
all=(token_response callback transaction json metadata token_set config_login url revocation
  diff_encoding diff_form diff_json)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -f "fuzz/fuzz_targets/$t.rs" ] || { echo "unknown fuzz target: $t (known: ${all[*]})"; exit 2; }
done

if ! cargo +nightly --version >/dev/null 2>&1 || ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz: needs the nightly toolchain and cargo-fuzz (bash scripts/setup.sh installs both)"
  exit 1
fi

# Dictionaries per target (libFuzzer takes one file: the pieces are joined).
dicts() {
  case $1 in
    callback) echo url oauth ;;
    config_login) echo json oauth url ;;
    url | diff_form) echo url ;;
    diff_encoding) ;;
    *) echo json oauth ;;
  esac
}

nice_n=${FUZZ_NICE:-15}
t0=$SECONDS
echo "fuzz: building the targets (cargo +nightly fuzz build, release + debug assertions)"
(cd fuzz && nice -n "$nice_n" cargo +nightly fuzz build -O --debug-assertions --sanitizer none) ||
  { echo "fuzz: build failed"; exit 1; }
bin_dir=fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release
build_s=$((SECONDS - t0))
echo "fuzz: built in ${build_s} s"

failed=0
# 1. The committed crash corpus: every input must now pass.
for t in "${targets[@]}"; do
  files=()
  for f in fuzz/regressions/"$t"/*; do
    [ -f "$f" ] && [[ "$(basename "$f")" != README* ]] && files+=("$f")
  done
  [ ${#files[@]} -eq 0 ] && continue
  if "$bin_dir/$t" "${files[@]}" > "fuzz/target/replay-$t.log" 2>&1; then
    echo "fuzz: replayed ${#files[@]} regression input(s) of $t: ok"
  else
    echo "fuzz: FAILED replaying fuzz/regressions/$t (log: fuzz/target/replay-$t.log)"
    tail -20 "fuzz/target/replay-$t.log"
    failed=1
  fi
done

# 2. Each target for $secs seconds, one worker.
work_root=fuzz/corpus-work
if [ "$smoke" = 1 ]; then
  work_root=$(mktemp -d)
  trap 'rm -rf "$work_root"' EXIT
fi
rows=()
for t in "${targets[@]}"; do
  work=$work_root/$t
  artifacts=fuzz/artifacts/$t
  mkdir -p "$work" "$artifacts"
  dict=fuzz/target/$t.dict
  : > "$dict"
  for d in $(dicts "$t"); do cat "fuzz/dict/$d.dict" >> "$dict"; done
  dict_arg=()
  [ -s "$dict" ] && dict_arg=(-dict="$dict")
  log=fuzz/target/run-$t.log
  before=$(ls "$artifacts" | wc -l)
  started=$SECONDS
  nice -n "$nice_n" "$bin_dir/$t" "$work" "fuzz/corpus/$t" "${dict_arg[@]}" \
    -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" > "$log" 2>&1
  rc=$?
  ran=$((SECONDS - started))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ -z "$execs" ]; then # a crash ends the run before the final stats
    execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  fi
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus=$(ls "$work" | wc -l)
  new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  found=$(($(ls "$artifacts" | wc -l) - before))
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
    failed=1
    echo "fuzz: FINDING in $t (exit $rc; artifacts in $artifacts/, log $log):"
    grep -E "panicked at|ERROR: libFuzzer|SUMMARY|Test unit written" "$log" | head -8
  fi
  rows+=("$(printf '%-15s %6s %12s %8s %7s %6s %8s' "$t" "$ran" "${execs:-?}" "${rate:-?}" "$corpus" "${new:-?}" "$found")")
done

echo
printf '%-15s %6s %12s %8s %7s %6s %8s\n' target seconds executions exec/s corpus new findings
printf '%s\n' "${rows[@]}"
echo "fuzz: total wall time $((SECONDS - t0)) s (build ${build_s} s)"
[ "$failed" -eq 0 ]
