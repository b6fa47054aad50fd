#!/usr/bin/env bash
# Runs weft's process_bench and async_fd_bench side by side with Tokio's tokio::process and
# AsyncFd (benches/peers/tokio_os) interleaved, one line each; the weft programs also print their
# baselines without a runtime (posix_spawnp + waitpid, a writer thread for the pipe; two threads
# blocking on the eventfds).
#   REPS=3 WORKERS=2 benches/compare_process.sh > results.txt
# Build benches/peers/tokio_os first (its build.sh); its rows are skipped if it is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-3}
TP=benches/peers/tokio_os/target/release/tokio-os-bench
weft_bench async_fd_bench
WA=$W
weft_bench process_bench
# Pairs, weft then Tokio, so each comparison runs back to back.
cmds=()
pair() {
  cmds+=("$W $1 workers=$N $2")
  if [ -x "$TP" ]; then cmds+=("$TP $1 $3 $2"); fi
}
pair spawn_wait "n=500 conc=1" "rt=multi workers=$N"
pair spawn_wait "n=2000 conc=16" "rt=multi workers=$N"
pair spawn_wait "rt=current n=500 conc=1" ""
pair pipe "mb=256" "rt=multi workers=$N"
pair pipe "rt=current mb=256" ""
W=$WA
pair eventfd "n=200000" "rt=multi workers=$N"
pair eventfd "rt=current n=200000" ""
run_plain "${cmds[@]}"
