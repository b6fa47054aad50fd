#!/usr/bin/env bash
# Runs weft's timer benches side by side with Tokio (../shared/peers/tokio's `timers`, and
# benches/peers/tokio_time for timeouts) and Asio's steady_timer, interleaved, one line each.
#   PEERS=/path/to/built/peers REPS=3 WORKERS=2 benches/compare_time.sh > results.txt
# Build benches/peers/tokio_time first (its build.sh); its rows are skipped if it is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-3}
TT=benches/peers/tokio_time/target/release/tokio-time-bench
weft_bench time_bench
cmds=(
  "$W timers workers=$N n=1000000"
  "$T timers rt=multi workers=$N n=1000000"
  "$A/asio_timers threads=$N n=1000000"
  "$W timers rt=current n=1000000"
  "$T timers rt=current n=1000000"
  "$A/asio_timers threads=1 n=1000000"
  "$W timers workers=$N n=10000"
  "$T timers rt=multi workers=$N n=10000"
)
if [ -x "$TT" ]; then
  cmds+=(
    "$W timeouts workers=$N n=10000000 iters=1"
    "$TT timeouts rt=multi workers=$N n=10000000"
    "$W timeouts rt=current n=10000000 iters=1"
    "$TT timeouts rt=current n=10000000"
    "$W timeouts_pending workers=$N n=1000000 iters=1"
    "$TT timeouts_pending rt=multi workers=$N n=1000000"
    "$W timeouts_pending rt=current n=1000000 iters=1"
    "$TT timeouts_pending rt=current n=1000000"
  )
fi
run_plain "${cmds[@]}"
