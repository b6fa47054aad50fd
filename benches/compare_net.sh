#!/usr/bin/env bash
# The network benchmarks, weft next to its peers, interleaved, one line per run:
#   echo: the peers' echo_load (100 connections x 64-byte messages, closed loop) against
#         weft's net_server on epoll and io_uring (1 and 2 threads), Tokio, Asio, and the raw
#         single-thread epoll and io_uring servers;
#   http: wrk -t2 -c64 against the same servers' plaintext mode.
# Each line gets server_cpu= (server CPU-seconds per second of load, from /proc/PID/stat) and
# us_per_op= (server CPU microseconds per message or request): on 2 cores the load generator
# is the bottleneck, so CPU per operation is the fair comparison.
#   PEERS=/path/to/built/peers REPS=3 SECS=5 ONLY='echo|http' benches/compare_net.sh
# WEFT_BEFORE=/path/to/an/older/net_server adds that build's weft rows (impl=weft_before_...),
# interleaved with the others, to measure a change before and after in one session.
set -uo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-3}
SECS=${SECS:-5}
ONLY=${ONLY:-echo|http}
PORT=${PORT_BASE:-28500}
weft_bench net_server

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

run_echo() {  # run_echo NAME THREADS CMD... (the command gets port=)
  local name=$1 threads=$2; shift 2
  start_server "$@" || { echo "bench=echo impl=$name FAILED"; return; }
  local t0 t1 out
  t0=$(ticks "$SP")
  out=$(timeout 60 "$A/echo_load" port="$PORT" conns=100 size=64 secs="$SECS" warmup=0.5 \
        impl="$name" threads="$threads")
  t1=$(ticks "$SP")
  stop_server
  awk -v line="$out" -v d=$((t1 - t0)) -v s="$SECS" -v rep="$rep" 'BEGIN {
    n = split(line, kv, " "); msgs = 0
    for (i = 1; i <= n; i++) if (kv[i] ~ /^msgs=/) { sub(/^msgs=/, "", kv[i]); msgs = kv[i] }
    cpu = d / 100.0
    per = msgs > 0 ? cpu * 1e6 / msgs : 0
    printf "%s server_cpu=%.2f us_per_op=%.2f rep=%s\n", line, cpu / (s + 0.5), per, rep }'
}

run_http() {
  local name=$1 threads=$2; shift 2
  start_server "$@" || { echo "bench=http impl=$name FAILED"; return; }
  local t0 t1 out
  t0=$(ticks "$SP")
  out=$(timeout 60 wrk -t2 -c64 -d"${SECS}s" "http://127.0.0.1:$PORT/")
  t1=$(ticks "$SP")
  stop_server
  local reqs rps
  reqs=$(awk '/requests in/{print $1}' <<<"$out")
  rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
  awk -v d=$((t1 - t0)) -v s="$SECS" -v reqs="$reqs" -v rps="$rps" -v name="$name" \
      -v th="$threads" -v rep="$rep" 'BEGIN {
    cpu = d / 100.0
    per = reqs > 0 ? cpu * 1e6 / reqs : 0
    fmt = "bench=http impl=%s threads=%s conns=64 requests=%s per_sec=%s server_cpu=%.2f us_per_op=%.2f rep=%s\n"
    printf fmt, name, th, reqs, rps, cpu / s, per, rep }'
}

# every_server MODE TOKIO_BENCH: run_MODE (echo or http) against each server in turn, the
# servers in MODE, Tokio's as TOKIO_BENCH.
every_server() {
  local run=run_$1 m=$1 tk=$2
  $run weft_epoll 1 "$W" "$m" driver=epoll threads=1 lifetime=120
  $run weft_uring 1 "$W" "$m" driver=uring threads=1 lifetime=120
  if [ -n "${WEFT_BEFORE:-}" ]; then
    $run weft_before_uring 1 "$WEFT_BEFORE" "$m" driver=uring threads=1 lifetime=120
    $run weft_before_uring 2 "$WEFT_BEFORE" "$m" driver=uring threads=2 lifetime=120
    $run weft_before_epoll 2 "$WEFT_BEFORE" "$m" driver=epoll threads=2 lifetime=120
  fi
  $run epoll 1 "$A/raw_epoll_server" mode="$m" lifetime=120
  $run uring 1 "$A/raw_uring_server" mode="$m" recv=single lifetime=120
  $run asio 1 "$A/asio_server" mode="$m" threads=1 lifetime=120
  $run tokio 1 "$T" "$tk" rt=current secs=120
  $run weft_epoll 2 "$W" "$m" driver=epoll threads=2 lifetime=120
  $run weft_uring 2 "$W" "$m" driver=uring threads=2 lifetime=120
  $run asio 2 "$A/asio_server" mode="$m" threads=2 ctx=shared lifetime=120
  $run tokio 2 "$T" "$tk" rt=multi workers=2 secs=120
}

for rep in $(seq 1 "$REPS"); do
  if [[ echo =~ $ONLY ]]; then every_server echo echo_server; fi
  if [[ http =~ $ONLY ]]; then every_server http http_raw; fi
done
