#!/usr/bin/env bash
# Runs weft's LocalExecutor benches side by side with Tokio current_thread and Asio threads=1,
# interleaved (rep 1 of everything, then rep 2, ...), one result line each.
#   PEERS=/path/to/built/peers REPS=5 benches/compare_local.sh > results.txt
# PEERS holds copies of ../shared/peers/{tokio,cpp} built with their build.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-5}
weft_bench local_bench "${WEFT_BENCH:-}"
run_plain \
  "$W spawn_many n=1000000 iters=1" \
  "$T spawn_many rt=current n=1000000" \
  "$A/asio_spawn_many threads=1 n=1000000" \
  "$W yield_many tasks=200 yields=1000 iters=10" \
  "$T yield_many rt=current tasks=200 yields=1000 iters=10" \
  "$A/asio_yield_many threads=1 tasks=200 yields=1000" \
  "$W chained_spawn depth=1000000 iters=1" \
  "$T chained_spawn rt=current depth=1000000" \
  "$A/asio_chained_spawn threads=1 n=1000000" \
  "$W idle_tasks_memory n=1000000" \
  "$T idle_tasks_memory rt=current n=1000000 wait=pending" \
  "$A/asio_idle_tasks n=1000000 wait=channel"
