#!/usr/bin/env bash
# Runs weft's Runtime benches side by side with Tokio multi_thread and Asio (io_context run by
# the same number of threads), interleaved, one result line each.
#   PEERS=/path/to/built/peers REPS=5 WORKERS=2 benches/compare_runtime.sh > results.txt
set -euo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-5}
weft_bench runtime_bench
run_plain \
  "$W spawn_many workers=$N from=task n=1000000 iters=1" \
  "$T spawn_many rt=multi workers=$N n=1000000" \
  "$A/asio_spawn_many threads=$N n=1000000" \
  "$W spawn_many workers=$N from=block_on n=1000000 iters=1" \
  "$T spawn_many rt=multi workers=$N n=1000000 from=block_on" \
  "$W yield_many workers=$N tasks=200 yields=1000 iters=10" \
  "$T yield_many rt=multi workers=$N tasks=200 yields=1000 iters=10" \
  "$A/asio_yield_many threads=$N tasks=200 yields=1000" \
  "$W chained_spawn workers=$N depth=1000000 iters=1" \
  "$T chained_spawn rt=multi workers=$N depth=1000000" \
  "$A/asio_chained_spawn threads=$N n=1000000" \
  "$W yield_many workers=1 tasks=200 yields=1000 iters=10" \
  "$W ping_pong workers=$N chan=mpsc" \
  "$T ping_pong rt=multi workers=$N chan=mpsc" \
  "$A/asio_ping_pong threads=$N pairs=1000 rounds=1000 cap=1" \
  "$W ping_pong workers=$N chan=oneshot" \
  "$T ping_pong rt=multi workers=$N chan=oneshot" \
  "$W ping_pong rt=current chan=mpsc" \
  "$T ping_pong rt=current chan=mpsc" \
  "$A/asio_ping_pong threads=1 pairs=1000 rounds=1000 cap=1" \
  "$W ping_pong rt=current chan=oneshot" \
  "$T ping_pong rt=current chan=oneshot" \
  "$W spawn_many rt=current from=task n=1000000 iters=1" \
  "$T spawn_many rt=current n=1000000"
