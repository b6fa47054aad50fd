#!/usr/bin/env bash
# mini-redis (apps/mini_redis) next to Debian's redis-server, interleaved, one line per run:
# redis-benchmark -t set (then -t get) -n REQUESTS -c 50 -q, with -P 1 and -P 16, against each server in
# turn, each server started afresh on its own port (redis-server with --save '' --appendonly no:
# no persistence, as mini-redis). Each line gets per_sec= (the requests/s redis-benchmark reports)
# and cpu_us_per_op= (the server's CPU time, utime+stime from /proc/PID/stat before and after the
# run, in microseconds per request): redis-benchmark and the server share the machine, so CPU
# per operation is the fair comparison.
#   REPS=3 REQUESTS=1000000 THREADS=1 benches/compare_redis.sh
# THREADS: mini-redis-server's --threads (0: a current-thread runtime; redis-server has one
# thread serving commands). MINI_REDIS: the server binary (default: built here, Release).
# TOKIO_MINI_REDIS: Tokio's own mini-redis-server, if built (benches/README.md says how); its
# rows are impl=tokio (#[tokio::main]: the multi-thread runtime, one worker per core).
set -uo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-3}
REQUESTS=${REQUESTS:-1000000}  # redis-benchmark -n (not N: lib.sh uses N for worker threads)
THREADS=${THREADS:-1}
PORT=${PORT_BASE:-28600}
weft_bench mini_redis_server "${MINI_REDIS:-build/release/apps/mini_redis/mini-redis-server}"
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
  { echo "compare_redis.sh: needs redis-server and redis-benchmark (scripts/deps.sh redis-server redis-tools)" >&2; exit 1; }
HZ=$(getconf CLK_TCK)

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
start() {  # start CMD...: runs the server (its port is $PORT), waits until it answers PING
  "$@" >/dev/null 2>&1 &
  SP=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  kill "$SP" 2>/dev/null
  return 1
}
stop() { kill -TERM "$SP" 2>/dev/null; wait "$SP" 2>/dev/null; }

# run_one IMPL PIPELINE CMD...: one server, its set and get rows.
run_one() {
  local impl=$1 pipeline=$2 test t0 t1 out rps
  shift 2
  PORT=$((PORT + 1))
  start "$@" || { echo "bench=redis impl=$impl pipeline=$pipeline FAILED to start"; return; }
  for test in set get; do
    t0=$(ticks "$SP")
    out=$(timeout 600 redis-benchmark -p "$PORT" -t "$test" -n "$REQUESTS" -c 50 -P "$pipeline" -q 2>&1)
    t1=$(ticks "$SP")
    # The last "SET: 123.45 requests per second, ..." (-q prints progress lines before it).
    rps=$(tr '\r' '\n' <<<"$out" | awk -v t="${test^^}:" '$1 == t && /requests per second/ {r = $2} END {print r}')
    if [ -z "$rps" ] || grep -qiE 'error|ERR ' <<<"$out"; then
      echo "bench=redis_$test impl=$impl pipeline=$pipeline FAILED: $(tr '\r\n' '  ' <<<"$out" | tail -c 300)"
      continue
    fi
    awk -v d=$((t1 - t0)) -v hz="$HZ" -v n="$REQUESTS" -v rps="$rps" -v impl="$impl" -v p="$pipeline" \
        -v test="$test" -v rep="$rep" -v th="$THREADS" 'BEGIN {
      cpu = d / hz
      printf "bench=redis_%s impl=%s%s pipeline=%s clients=50 requests=%s per_sec=%s cpu_us_per_op=%.3f rep=%s\n",
             test, impl, impl == "weft" ? " threads=" th : "", p, n, rps, cpu * 1e6 / n, rep }'
  done
  stop
}

for rep in $(seq 1 "$REPS"); do
  for pipeline in 1 16; do
    run_one weft "$pipeline" "$W" --port "$((PORT + 1))" --threads "$THREADS"
    # Tokio's mini-redis flushes after every reply; pipelined it runs ~10x slower (1M requests
    # would take minutes), so it gets the -P 1 rows only.
    if [ -n "${TOKIO_MINI_REDIS:-}" ] && [ "$pipeline" = 1 ]; then
      run_one tokio "$pipeline" "$TOKIO_MINI_REDIS" --port "$((PORT + 1))"
    fi
    run_one redis "$pipeline" redis-server --port "$((PORT + 1))" --save '' --appendonly no \
      --daemonize no --bind 127.0.0.1
  done
done
