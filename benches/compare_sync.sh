#!/usr/bin/env bash
# Runs weft's sync benches (benches/sync_bench.cpp) side by side with Tokio (tokio-bench for
# mpsc and ping_pong, benches/peers/tokio_sync for oneshot, Mutex and Semaphore) and Asio
# (asio_channel, asio_ping_pong), interleaved (rep 1 of everything, then rep 2, ...). Before
# each program it waits up to QUIET_MAX seconds for the machine to be under 20% busy, and tags
# the line with rep= and bg_busy= (the busy % it last saw). Raw lines go to OUT, then
# benches/summarize.py prints the medians (min-max) per configuration to stdout.
#   PEERS=/path/to/built/peers REPS=5 WORKERS=2 benches/compare_sync.sh
# ONLY=REGEX runs only the commands matching it (grep -E), e.g. ONLY='semaphore.*rt=multi'.
# PEERS holds copies of ../shared/peers/{tokio,cpp} built with their build.sh;
# benches/peers/tokio_sync is built with its build.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-5}
OUT=${OUT:-benches/results/sync-$(date +%F).txt}
S=benches/peers/tokio_sync/target/release/tokio-sync-bench
weft_bench sync_bench "${WEFT_BENCH:-}"
[ -x "$S" ] || benches/peers/tokio_sync/build.sh >&2
for b in "$T" "$A/asio_channel" "$A/asio_ping_pong"; do
  [ -x "$b" ] || { echo "compare_sync.sh: $b missing (build the shared peers under PEERS)" >&2; exit 1; }
done

MPSC="cap=1024 msgs=10000000"
run_quiet compare_sync.sh \
  "$W mpsc rt=local producers=1 $MPSC" \
  "$W mpsc rt=current producers=1 $MPSC" \
  "$T mpsc rt=current producers=1 $MPSC" \
  "$A/asio_channel threads=1 producers=1 cap=1024 n=10000000 mode=await" \
  "$W mpsc rt=multi workers=$N producers=1 $MPSC" \
  "$T mpsc rt=multi workers=$N producers=1 $MPSC" \
  "$A/asio_channel threads=$N producers=1 cap=1024 n=10000000 mode=await" \
  "$W mpsc rt=local producers=4 $MPSC" \
  "$W mpsc rt=current producers=4 $MPSC" \
  "$T mpsc rt=current producers=4 $MPSC" \
  "$A/asio_channel threads=1 producers=4 cap=1024 n=10000000 mode=await" \
  "$W mpsc rt=multi workers=$N producers=4 $MPSC" \
  "$T mpsc rt=multi workers=$N producers=4 $MPSC" \
  "$A/asio_channel threads=$N producers=4 cap=1024 n=10000000 mode=await" \
  "$W oneshot rt=local n=10000000" \
  "$W oneshot rt=current n=10000000" \
  "$S oneshot rt=current n=10000000" \
  "$W oneshot rt=multi workers=$N n=10000000" \
  "$S oneshot rt=multi workers=$N n=10000000" \
  "$W ping_pong rt=local chan=mpsc" \
  "$W ping_pong rt=current chan=mpsc" \
  "$T ping_pong rt=current chan=mpsc" \
  "$A/asio_ping_pong threads=1 pairs=1000 rounds=1000 cap=1" \
  "$W ping_pong rt=multi workers=$N chan=mpsc" \
  "$T ping_pong rt=multi workers=$N chan=mpsc" \
  "$A/asio_ping_pong threads=$N pairs=1000 rounds=1000 cap=1" \
  "$W ping_pong rt=local chan=oneshot" \
  "$W ping_pong rt=current chan=oneshot" \
  "$T ping_pong rt=current chan=oneshot" \
  "$W ping_pong rt=multi workers=$N chan=oneshot" \
  "$T ping_pong rt=multi workers=$N chan=oneshot" \
  "$W mutex rt=local mode=uncontended n=10000000" \
  "$W mutex rt=current mode=uncontended n=10000000" \
  "$S mutex rt=current mode=uncontended n=10000000" \
  "$W mutex rt=multi workers=$N mode=uncontended n=10000000" \
  "$S mutex rt=multi workers=$N mode=uncontended n=10000000" \
  "$W mutex rt=local mode=contended tasks=16 n=1000000" \
  "$W mutex rt=current mode=contended tasks=16 n=1000000" \
  "$S mutex rt=current mode=contended tasks=16 n=1000000" \
  "$W mutex rt=multi workers=$N mode=contended tasks=16 n=1000000" \
  "$S mutex rt=multi workers=$N mode=contended tasks=16 n=1000000" \
  "$W semaphore rt=local mode=uncontended n=10000000" \
  "$W semaphore rt=current mode=uncontended n=10000000" \
  "$S semaphore rt=current mode=uncontended n=10000000" \
  "$W semaphore rt=multi workers=$N mode=uncontended n=10000000" \
  "$S semaphore rt=multi workers=$N mode=uncontended n=10000000" \
  "$W semaphore rt=local mode=contended tasks=16 permits=4 n=1000000" \
  "$W semaphore rt=current mode=contended tasks=16 permits=4 n=1000000" \
  "$S semaphore rt=current mode=contended tasks=16 permits=4 n=1000000" \
  "$W semaphore rt=multi workers=$N mode=contended tasks=16 permits=4 n=1000000" \
  "$S semaphore rt=multi workers=$N mode=contended tasks=16 permits=4 n=1000000"
