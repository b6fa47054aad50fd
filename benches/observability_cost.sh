#!/bin/bash
# The cost of weft's observability (issue 19) in instructions, repeatable whatever else runs:
# callgrind's instruction count per operation (the slope between two sizes, so start-up and
# teardown cancel out) of runtime_bench's single-thread rows, for each build directory given.
#
#   benches/observability_cost.sh BUILD_DIR...      e.g. a Release build of a commit before the
#                                                   feature, one with it, one -DWEFT_TASK_TRACE=OFF
# prints one line per build: instructions per spawn, per yield, per chained spawn, per
# ping-pong round trip.
set -euo pipefail
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
for b in "$@"; do
  B=$b/benches/runtime_bench
  s1=$(ir $B spawn_many rt=current n=50000 iters=1); s2=$(ir $B spawn_many rt=current n=100000 iters=1)
  y1=$(ir $B yield_many rt=current tasks=100 yields=500 iters=1); y2=$(ir $B yield_many rt=current tasks=100 yields=1000 iters=1)
  c1=$(ir $B chained_spawn rt=current depth=50000 iters=1); c2=$(ir $B chained_spawn rt=current depth=100000 iters=1)
  p1=$(ir $B ping_pong rt=current pairs=100 rounds=100 chan=oneshot iters=1); p2=$(ir $B ping_pong rt=current pairs=100 rounds=200 chan=oneshot iters=1)
  echo "build=$b spawn_many=$(( (s2-s1)/50000 )) yield_many=$(( (y2-y1)/50000 )) chained_spawn=$(( (c2-c1)/50000 )) ping_pong=$(( (p2-p1)/10000 ))"
done
