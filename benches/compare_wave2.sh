#!/usr/bin/env bash
# The rows of performance wave 2 (issue 21), each run by two builds of weft and by its peer,
# interleaved (rep 1 of everything, then rep 2, ...), so that "before" and "after" are measured
# in the same session on the same noisy machine:
#   BEFORE=/path/to/old/build AFTER=build/release PEERS=/path/to/built/peers REPS=5 \
#     benches/compare_wave2.sh
# BEFORE and AFTER are Release build trees (their benches/ hold the bench programs; a tree of an
# older commit: git worktree add /tmp/before COMMIT, then cmake -DCMAKE_BUILD_TYPE=Release).
# Each line is tagged build=before|after|peer; benches/summarize.py prints the medians. The
# network rows (server CPU per operation on io_uring) come from compare_net.sh, which takes
# WEFT_BEFORE=/path/to/old/net_server for the same purpose.
set -euo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-5}
OUT=${OUT:-benches/results/wave2-$(date +%F).txt}
BEFORE=${BEFORE:?BEFORE=an older Release build tree}
AFTER=${AFTER:-build/release}
WB=$BEFORE/benches
WA=$AFTER/benches
TS=benches/peers/tokio_stream/target/release/tokio-stream-bench
S=benches/peers/tokio_sync/target/release/tokio-sync-bench
for b in "$T" "$TS" "$S"; do
  [ -x "$b" ] || { echo "compare_wave2.sh: $b missing (build the peers)" >&2; exit 1; }
done
line_tag() {
  case $1 in
    "$WB"/*) echo " build=before" ;;
    "$WA"/*) echo " build=after" ;;
    *) echo " build=peer" ;;
  esac
}
cmds=()
# both ARGS...: the same weft command from each build.
both() { cmds+=("$WB/$*" "$WA/$*"); }
both stream_bench generator rt=local n=10000000
cmds+=("$TS generator rt=current n=10000000")
both runtime_bench ping_pong workers=$N chan=oneshot
cmds+=("$T ping_pong rt=multi workers=$N chan=oneshot")
both runtime_bench spawn_many workers=$N from=block_on n=1000000 iters=1
cmds+=("$T spawn_many rt=multi workers=$N n=1000000 from=block_on")
both sync_bench mpsc rt=multi workers=$N producers=4 cap=1024 msgs=10000000
cmds+=("$T mpsc rt=multi workers=$N producers=4 cap=1024 msgs=10000000")
both sync_bench semaphore rt=multi workers=$N mode=contended tasks=16 permits=4 n=1000000
cmds+=("$S semaphore rt=multi workers=$N mode=contended tasks=16 permits=4 n=1000000")
# fs_bench prints a blocking line and a weft line for each of these.
both fs_bench read_chunks iters=3
both fs_bench small_files conc=64 iters=3
both fs_bench pool_roundtrip iters=3
run_quiet compare_wave2.sh "${cmds[@]}"
