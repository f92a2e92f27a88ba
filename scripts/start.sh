#!/usr/bin/env bash
# npm start: installs the tools, builds the release package and the embedded authorization server,
# then serves the demo (www/ + pkg/) and the server's endpoints on one loopback origin.
# Ctrl-C stops everything this script started.
# Environment: PORT (default 8080), HOST (default 127.0.0.1; keep it loopback), EXPIRES_IN (access
# token lifetime in seconds, default 120: the demo's session refreshes 60 s before expiry, so a
# refresh comes within a minute).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8080}
EXPIRES_IN=${EXPIRES_IN:-120}
log() { printf '[start] %s\n' "$*"; }

bash scripts/setup.sh
log "building the package (release: pkg/)"
bash scripts/build.sh
log "building the embedded server (release)"
cargo build --release --locked --quiet -p oauth-spa-server
server="${CARGO_TARGET_DIR:-target}/release/oauth-spa-server"

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Consent stays on (no --auto-approve) so people see the consent page.
"$server" --host "$HOST" --port "$PORT" --www www --pkg pkg --clients server/clients.json \
  --expires-in "$EXPIRES_IN" &
pids+=($!)

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
    log "demo ready: open http://$HOST:$PORT/ (Ctrl-C stops it)"
    wait "${pids[0]}"
    exit $?
  fi
  kill -0 "${pids[0]}" 2>/dev/null || { log "the server exited; is port $PORT free? (PORT=... npm start)"; exit 1; }
  sleep 0.1
done
log "the server did not answer on $HOST:$PORT"
exit 1
