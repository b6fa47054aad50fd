#!/usr/bin/env bash
# Runs weft's tls_bench and Tokio's tokio-native-tls peer (benches/peers/tokio_tls: the same
# workloads and certificates, OpenSSL 3 underneath both) interleaved, one line each.
#   REPS=3 benches/compare_tls.sh > results.txt
# Build benches/peers/tokio_tls first (its build.sh); its rows are skipped if it is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-3}
TT=benches/peers/tokio_tls/target/release/tokio-tls-bench
weft_bench tls_bench
cmds=("$W all n_handshakes=500 n_echo=20000 len=1024")
if [ -x "$TT" ]; then cmds+=("$TT all n_handshakes=500 n_echo=20000 len=1024"); fi
run_plain "${cmds[@]}"
