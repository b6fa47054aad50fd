#!/usr/bin/env bash
# Instructions per operation of the single-thread rows, weft next to Tokio (current_thread) and
# Asio (one thread), under valgrind --tool=callgrind: repeatable whatever else the machine is
# doing, unlike wall time on this 2-core VM. Each row runs every program at two sizes and prints
# the slope, (Ir(n2) - Ir(n1)) / (n2 - n1), so start-up and teardown cancel out.
#   PEERS=/path/to/built/peers benches/instructions.sh            # every row
#   ONLY='ping_pong|generator' benches/instructions.sh             # rows matching a regex
# A peer whose binary is missing gets "-" (build it with its build.sh). Output: one line per
# program and row in the peers' format (bench=NAME impl=... instr_per_op=...), then a table.
# Wall-clock ratios come from the interleaved compare_*.sh runs; record both in benches/README.md.
set -uo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
ONLY=${ONLY:-}
B=${WEFT_BUILD:-build/release}/benches
for t in runtime_bench sync_bench stream_bench async_fd_bench; do
  [ -x "$B/$t" ] || cmake --build "${B%/benches}" --target "$t" >/dev/null
done
TS=benches/peers/tokio_stream/target/release/tokio-stream-bench
TO=benches/peers/tokio_os/target/release/tokio-os-bench

# ir CMD...: instructions the whole program executed (callgrind's "Collected").
ir() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
ROWS=()
# row NAME N1 N2 MULT IMPL 'CMD with @N@' ...: each implementation's slope, per operation, where
# a command at size N does N * MULT operations.
row() {
  local name=$1 n1=$2 n2=$3 mult=$4
  shift 4
  [ -n "$ONLY" ] && ! grep -qE -- "$ONLY" <<<"$name" && return
  local -A per=([weft]=- [tokio]=- [asio]=-)
  while [ $# -ge 2 ]; do
    local impl=$1 cmd=$2 a b
    shift 2
    if [ -x "${cmd%% *}" ]; then
      a=$(ir ${cmd//@N@/$n1})
      b=$(ir ${cmd//@N@/$n2})
      if [ -n "$a" ] && [ -n "$b" ]; then per[$impl]=$(( (b - a) / ((n2 - n1) * mult) )); fi
    fi
    echo "bench=$name impl=$impl n1=$n1 n2=$n2 instr_per_op=${per[$impl]}" >&2
  done
  ROWS+=("| $name | ${per[weft]} | ${per[tokio]} | ${per[asio]} |")
}

row spawn_many 50000 100000 1 \
  weft "$B/runtime_bench spawn_many rt=current from=task n=@N@ iters=1" \
  tokio "$T spawn_many rt=current n=@N@" \
  asio "$A/asio_spawn_many threads=1 n=@N@"
row yield_many 500 1000 100 \
  weft "$B/runtime_bench yield_many rt=current tasks=100 yields=@N@ iters=1" \
  tokio "$T yield_many rt=current tasks=100 yields=@N@" \
  asio "$A/asio_yield_many threads=1 tasks=100 yields=@N@"
row chained_spawn 50000 100000 1 \
  weft "$B/runtime_bench chained_spawn rt=current depth=@N@ iters=1" \
  tokio "$T chained_spawn rt=current depth=@N@" \
  asio "$A/asio_chained_spawn threads=1 n=@N@"
row ping_pong_oneshot 20000 40000 1 \
  weft "$B/runtime_bench ping_pong rt=current pairs=1 rounds=@N@ chan=oneshot iters=1" \
  tokio "$T ping_pong rt=current pairs=1 rounds=@N@ chan=oneshot"
row ping_pong_mpsc 20000 40000 1 \
  weft "$B/runtime_bench ping_pong rt=current pairs=1 rounds=@N@ chan=mpsc iters=1" \
  tokio "$T ping_pong rt=current pairs=1 rounds=@N@ chan=mpsc" \
  asio "$A/asio_ping_pong threads=1 pairs=1 rounds=@N@ cap=1"
row mpsc_1_producer 200000 400000 1 \
  weft "$B/sync_bench mpsc rt=current producers=1 msgs=@N@ iters=1" \
  tokio "$T mpsc rt=current producers=1 msgs=@N@" \
  asio "$A/asio_channel threads=1 producers=1 n=@N@"
row generator 200000 400000 1 \
  weft "$B/stream_bench generator rt=local n=@N@ iters=1" \
  tokio "$TS generator rt=current n=@N@"
row eventfd 2000 4000 1 \
  weft "$B/async_fd_bench eventfd rt=current n=@N@ iters=1 baseline=0" \
  tokio "$TO eventfd rt=current n=@N@ iters=1"

echo "| row (instructions per operation) | weft | Tokio | Asio |"
echo "|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
