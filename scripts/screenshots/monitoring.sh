#!/usr/bin/env bash
# Screenshots of the monitoring dashboards for docs/modules/monitoring.md:
# builds cybernorms from the working tree, fills a fresh SQLite database
# with the demonstration data (seed 2015, as the docs describe), serves it
# on loopback and has headless Chromium photograph the pages at 1280 and
# 390 CSS px wide, in English and Arabic, one viewport high each
# (scripts/screenshots/main.go). Needs Go and Chromium.
#
#   scripts/screenshots/monitoring.sh               # writes docs/modules/img/monitoring-*.png
#   OUT=/tmp/shots PORT=18800 scripts/screenshots/monitoring.sh   # PORT: the first free one from there
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-docs/modules/img}
PORT=${PORT:-18770}
# A port nobody listens on: the screenshots must be of this server.
while (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do PORT=$((PORT + 1)); done
work=$(mktemp -d /tmp/cybernorms-shots.XXXXXX)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/cybernorms" ./cmd/cybernorms
go build -o "$work/screenshots" ./scripts/screenshots
echo "demo data (about a minute) …"
"$work/cybernorms" demo --data-dir "$work/data" --seed 2015 >"$work/demo.log" 2>&1 || { cat "$work/demo.log"; exit 1; }
"$work/cybernorms" serve --data-dir "$work/data" --addr "127.0.0.1:$PORT" --demo >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  sleep 0.2
done
kill -0 "$server" 2>/dev/null || { echo "the server did not start:"; cat "$work/serve.log"; exit 1; }
"$work/screenshots" -base "http://127.0.0.1:$PORT" -out "$OUT"
