#!/usr/bin/env bash
# Runs weft's stream and JoinSet benches (benches/stream_bench.cpp) side by side with Tokio
# (benches/peers/tokio_stream: async-stream, futures' buffer_unordered, tokio::task::JoinSet),
# interleaved (rep 1 of everything, then rep 2, ...). Before each program it waits up to
# QUIET_MAX seconds for the machine to be under 20% busy, and tags the line with rep= and
# bg_busy= (the busy % it last saw). Raw lines go to OUT, then benches/summarize.py prints the
# medians (min-max) per configuration to stdout.
#   REPS=5 WORKERS=2 benches/compare_stream.sh
# ONLY=REGEX runs only the commands matching it (grep -E), e.g. ONLY='join_set.*rt=multi'.
# TOKIO_BINS: the tokio-stream-bench binaries to run, space-separated (default: the one
# benches/peers/tokio_stream/build.sh makes, built with it if missing). Each of their lines is
# tagged rustc=VERSION, read from the .rustc_info.json cargo left in the binary's target
# folder, so builds by two compilers can run in one session, e.g. (P=benches/peers/tokio_stream)
#   TOKIO_BINS="$P/target/release/tokio-stream-bench $P/target/rustc-1.63/release/tokio-stream-bench"
# (the second built as in benches/peers/tokio_stream/README.md).
set -euo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-5}
OUT=${OUT:-benches/results/stream-$(date +%F).txt}
S=benches/peers/tokio_stream/target/release/tokio-stream-bench
TOKIO_BINS=${TOKIO_BINS:-$S}
weft_bench stream_bench "${WEFT_BENCH:-}"
[ -x "$S" ] || [ "$TOKIO_BINS" != "$S" ] || benches/peers/tokio_stream/build.sh >&2
declare -A RUSTC_OF
for b in $TOKIO_BINS; do
  [ -x "$b" ] || { echo "compare_stream.sh: $b missing" >&2; exit 1; }
  v=$(grep -o 'release: [0-9.]*' "$(dirname "$b")/../.rustc_info.json" 2>/dev/null | head -1 || true)
  RUSTC_OF[$b]=${v#release: }
  RUSTC_OF[$b]=${RUSTC_OF[$b]:-unknown}
done

# Each Tokio line is tagged with the rustc that built its binary.
line_tag() {
  local bin=${1%% *}
  [ "$bin" = "$W" ] || echo " rustc=${RUSTC_OF[$bin]}"
}

GEN="generator n=10000000"
BUF="buffer_unordered n=1000000 limit=64"
SET="join_set n=1000000"
# One weft command per executor, then each Tokio build on the matching flavour.
cmds=()
weft() { cmds+=("$W $*"); }
tokio() { local b; for b in $TOKIO_BINS; do cmds+=("$b $*"); done; }
weft $GEN rt=local
weft $GEN rt=current
tokio $GEN rt=current
weft $GEN rt=multi workers=$N
tokio $GEN rt=multi workers=$N
weft $BUF rt=local fut=ready
weft $BUF rt=current fut=ready
tokio $BUF rt=current
weft $BUF rt=multi workers=$N fut=ready
tokio $BUF rt=multi workers=$N
weft $BUF rt=local fut=task
weft $BUF rt=current fut=task
weft $BUF rt=multi workers=$N fut=task
weft $SET rt=local
weft $SET rt=current
tokio $SET rt=current
weft $SET rt=multi workers=$N
tokio $SET rt=multi workers=$N
run_quiet compare_stream.sh "${cmds[@]}"
