#!/usr/bin/env bash
# The cybernorms load test: builds the binary, makes a demo database at the
# given scale, serves it on loopback and drives a mix of public pages, API
# calls and searches at increasing concurrency, on SQLite and on PostgreSQL,
# each beside a bare net/http server serving the same bytes. Then the
# baselines for imports (the database's own bulk load) and mail (a bare SMTP
# client against the pooled sender). Prints markdown for docs/performance.md.
#
#   scripts/load/run.sh                    # scale 1, SQLite and PostgreSQL
#   SCALE=10 DBS=sqlite scripts/load/run.sh
#   SOURCE=tree scripts/load/run.sh        # the working tree instead of HEAD
#
# Settings (environment): SCALE (1), DBS ("sqlite postgres"), LEVELS
# (1,4,16,64), NOCACHE_LEVELS for the run with the page cache off (1,16),
# REQUESTS per level (3000), DURATION per level (15s),
# BULK_ROWS (1000000), PG (postgres://postgres@127.0.0.1:5432, trust auth),
# PORT (18500; and the next two ports). Per-route tables: ROUTE_CLASSES
# (signed-in,page,api), ROUTE_ROUNDS (2), ROUTE_REQUESTS (600),
# ROUTE_DURATION (1500ms); then every kind of public page once, the slowest
# listed (CRAWL=0 leaves it out; CRAWL_PAGES, 2000). ONLY_ROUTES=1 skips the rising-concurrency runs,
# the benchmarks and the baselines. PostgreSQL gets a dedicated database cybernorms_load, dropped
# at the end. Everything listens on 127.0.0.1 only. A demo made before
# (a scale-10 demo takes minutes) can be measured instead of a new one:
# DEMO_SQLITE, the data folder of `cybernorms demo --data-dir DIR`;
# DEMO_POSTGRES, the URL of a database `cybernorms demo --database-url` filled
# (kept, not dropped), with DEMO_POSTGRES_DIR, the --data-dir it was made
# with (its master key). Their scale is said by SCALE.
set -euo pipefail

SCALE=${SCALE:-1}
DBS=${DBS:-"sqlite postgres"}
LEVELS=${LEVELS:-1,4,16,64}
REQUESTS=${REQUESTS:-3000}
DURATION=${DURATION:-15s}
BULK_ROWS=${BULK_ROWS:-1000000}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-18500}
BARE_PORT=$((PORT + 1))
DEBUG_PORT=$((PORT + 2))
PGDB=cybernorms_load

cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/cybernorms-load.XXXXXX)
# Measure the committed code (HEAD), from a snapshot, so that edits in a
# shared working tree cannot break or skew a run; SOURCE=tree measures the
# working tree as it is.
if [ "${SOURCE:-head}" = head ]; then
  mkdir "$work/src"
  git archive HEAD | tar -x -C "$work/src"
  commit=$(git rev-parse --short HEAD)
  cd "$work/src"
else
  commit="$(git rev-parse --short HEAD) + working tree"
fi
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
  done
  if [[ " $DBS " == *" postgres "* ]]; then
    psql "$PG/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $PGDB" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/cybernorms" ./cmd/cybernorms
go build -o "$work/load" ./scripts/load

echo "## Load test, $(date -u +%Y-%m-%d), scale $SCALE"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3), commit $commit"

# Start: an empty folder answering.
"$work/cybernorms" serve --data-dir "$work/empty" --addr "127.0.0.1:$PORT" --workers 0 --log-level warn 2>"$work/empty.log" &
pids+=($!)
start_ms=$("$work/load" wait -url "http://127.0.0.1:$PORT" -timeout 30s)
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
echo
echo "Start: \`cybernorms serve\` on an empty folder answered /healthz after ${start_ms} ms (bar: under 1000 ms)."

for kind in $DBS; do
  demo=1
  case $kind in
    sqlite) args=(--data-dir "$work/sqlite"); dburl="$work/sqlite/cybernorms.db"
      if [ -n "${DEMO_SQLITE:-}" ]; then
        args=(--data-dir "$DEMO_SQLITE"); dburl="$DEMO_SQLITE/cybernorms.db"; demo=
      fi ;;
    postgres)
      if [ -n "${DEMO_POSTGRES:-}" ]; then
        dburl=$DEMO_POSTGRES; args=(--data-dir "${DEMO_POSTGRES_DIR:?the data folder the PostgreSQL demo was made with, for its master key}" --database-url "$dburl"); demo=
      else
        psql "$PG/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $PGDB" >/dev/null 2>&1
        psql "$PG/postgres?sslmode=disable" -qc "CREATE DATABASE $PGDB" >/dev/null
        dburl="$PG/$PGDB?sslmode=disable"
        args=(--data-dir "$work/pg" --database-url "$dburl")
      fi ;;
    *) echo "unknown database kind $kind" >&2; exit 2 ;;
  esac
  if [ -n "$demo" ]; then
  echo
  echo "### Demo data, $kind, scale $SCALE"
  echo
  echo '```'
  t0=$(date +%s.%N)
  "$work/cybernorms" demo "${args[@]}" --log-level warn --scale "$SCALE" | grep -E '^\[|organisations \(|complete in'
  echo '```'
  echo
  echo "Demo generation on $kind took $(echo "$(date +%s.%N) - $t0" | bc | xargs printf '%.1f') s wall-clock, including building the app (bar: scale 1 on SQLite under 60 s)."
  else
  echo
  echo "### $kind, scale $SCALE: the demo made before (${dburl%%\?*})"
  fi

  "$work/cybernorms" serve "${args[@]}" --addr "127.0.0.1:$PORT" --workers 0 --log-level warn 2>"$work/serve-$kind.log" &
  app_pid=$!
  pids+=($app_pid)
  "$work/load" wait -url "http://127.0.0.1:$PORT" >/dev/null
  # The bare server answers the searches of the index with the database's
  # own full-text query (-db), every other request with the app's bytes.
  "$work/load" bare -from "http://127.0.0.1:$PORT" -addr "127.0.0.1:$BARE_PORT" -db "$dburl" &
  bare_pid=$!
  pids+=($bare_pid)
  "$work/load" wait -url "http://127.0.0.1:$BARE_PORT" >/dev/null
  if [ -z "${ONLY_ROUTES:-}" ]; then
    "$work/load" run -url "http://127.0.0.1:$PORT" -bare "http://127.0.0.1:$BARE_PORT" -pid "$app_pid" \
      -levels "$LEVELS" -requests "$REQUESTS" -duration "$DURATION" -label "$kind, scale $SCALE: the whole mix"
  fi
  kill "$app_pid" "$bare_pid"; wait "$app_pid" "$bare_pid" 2>/dev/null || true
  # The same mix with the page cache off: what every page costs to render.
  # The debug address (--pprof-addr, loopback) tells the bare server which
  # SQL statements each request runs (GET /debug/sql).
  "$work/cybernorms" serve "${args[@]}" --addr "127.0.0.1:$PORT" --workers 0 --log-level warn --page-cache-mb 0 --pprof-addr "127.0.0.1:$DEBUG_PORT" 2>>"$work/serve-$kind.log" &
  app_pid=$!
  pids+=($app_pid)
  "$work/load" wait -url "http://127.0.0.1:$PORT" >/dev/null
  # The signed-in mix: a token for each demo account (load signin).
  "$work/load" signin -bin "$work/cybernorms" -db "$dburl" -out "$work/identities-$kind.json" -- "${args[@]}"
  # Now every request of the bare server that reads the database runs the
  # statements the app ran for it before writing the app's bytes; the
  # searches of the index run the database's own full-text query.
  "$work/load" bare -from "http://127.0.0.1:$PORT" -addr "127.0.0.1:$BARE_PORT" -db "$dburl" \
    -trace "http://127.0.0.1:$DEBUG_PORT" -identities "$work/identities-$kind.json" &
  bare_pid=$!
  pids+=($bare_pid)
  "$work/load" wait -url "http://127.0.0.1:$BARE_PORT" -timeout 300s >/dev/null
  if [ -z "${ONLY_ROUTES:-}" ]; then
    "$work/load" run -url "http://127.0.0.1:$PORT" -bare "http://127.0.0.1:$BARE_PORT" -pid "$app_pid" \
      -levels "${NOCACHE_LEVELS:-1,16}" -requests "$REQUESTS" -duration "$DURATION" -label "$kind, scale $SCALE: the whole mix, page cache off"
    # Searches repeat the same queries, which a cache would answer from
    # memory: measure them uncached.
    "$work/load" run -url "http://127.0.0.1:$PORT" -bare "http://127.0.0.1:$BARE_PORT" -pid "$app_pid" \
      -levels 1 -requests "$REQUESTS" -duration "$DURATION" -class search -label "$kind, scale $SCALE: searches only, one at a time, page cache off"
  fi
  # Each route on its own at 16 clients, against its bare baseline, in
  # short alternating bursts (ROUTE_ROUNDS, ROUTE_REQUESTS, ROUTE_DURATION):
  # the searches of the index, then the public pages and API calls and the
  # signed-in mix.
  for classes in ${ROUTE_SEARCH-search} "${ROUTE_CLASSES:-signed-in,page,api}"; do
    "$work/load" routes -url "http://127.0.0.1:$PORT" -bare "http://127.0.0.1:$BARE_PORT" -pid "$app_pid" -class "$classes" \
      -trace "http://127.0.0.1:$DEBUG_PORT" -identities "$work/identities-$kind.json" \
      -rounds "${ROUTE_ROUNDS:-2}" -requests "${ROUTE_REQUESTS:-600}" -duration "${ROUTE_DURATION:-1500ms}" \
      -label "$kind, scale $SCALE: each route ($classes) against its baseline, 16 clients, page cache off"
  done
  # Every kind of public page, not only the mix's: the slowest (CRAWL=0
  # leaves it out).
  if [ "${CRAWL:-1}" != 0 ]; then
    echo
    echo "#### $kind, scale $SCALE: the public pages from /, page cache off"
    echo
    "$work/load" crawl -url "http://127.0.0.1:$PORT" -pages "${CRAWL_PAGES:-2000}"
  fi
  kill "$bare_pid" "$app_pid"; wait "$bare_pid" "$app_pid" 2>/dev/null || true
  echo
  echo "Server log lines at warn or above during the run: $(wc -l <"$work/serve-$kind.log")"
done

[ -n "${ONLY_ROUTES:-}" ] && exit 0

echo
echo "### Page benchmarks, one core, each page beside a bare handler of the same bytes (medians of 3)"
echo
go test -c -o "$work/app.test" ./internal/app
( cd internal/app
  env -u CYBERNORMS_BENCH_DEMO_SCALE "$work/app.test" -test.run '^$' -test.bench 'BenchmarkPages$' -test.count 3 -test.benchmem >"$work/bench-empty.txt"
  CYBERNORMS_BENCH_DEMO_SCALE=$SCALE "$work/app.test" -test.run '^$' -test.bench 'BenchmarkPages$' -test.count 3 -test.benchmem >"$work/bench-scale.txt" )
"$work/load" benchtable -labels "empty,scale $SCALE" "$work/bench-empty.txt" "$work/bench-scale.txt"

echo
echo "### Baselines: the database's own bulk load ($BULK_ROWS measure-shaped rows)"
echo
echo "| method | rows | time | rate |"
echo "| --- | ---: | ---: | ---: |"
for kind in $DBS; do
  case $kind in
    sqlite) "$work/load" bulk -db "$work" -rows "$BULK_ROWS" ;;
    postgres)
      psql "$PG/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $PGDB" >/dev/null 2>&1
      psql "$PG/postgres?sslmode=disable" -qc "CREATE DATABASE $PGDB" >/dev/null
      "$work/load" bulk -db "$PG/$PGDB?sslmode=disable" -rows "$BULK_ROWS" ;;
  esac
done

echo
echo "### Baseline: mail (internal/platform/mail benchmarks, loopback SMTP sink, 4 connections)"
echo
echo '```'
go test -run '^$' -bench 'BenchmarkSMTPPoolSend$|BenchmarkBareSMTPClient$' -benchtime 20000x ./internal/platform/mail | grep -E '^Benchmark'
echo '```'
