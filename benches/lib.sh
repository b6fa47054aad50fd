# Sourced by the compare scripts (compare_*.sh), first: it changes to the repository root; the
# setup they share (the peers' paths, building weft's bench program) and the two ways they run
# their commands (run_plain: every line to stdout; run_quiet: waiting for a quiet machine first).

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PEERS=${PEERS:-../peers}
N=${WORKERS:-2}                            # worker threads, where a bench takes them
T=$PEERS/tokio/target/release/tokio-bench  # the shared Tokio peer
A=$PEERS/cpp/build                         # the shared Asio and raw-syscall peers

# weft_bench TARGET [PATH]: sets W to PATH (default build/release/benches/TARGET), first
# building TARGET in a Release tree if W is not there.
weft_bench() {
  W=${2:-build/release/benches/$1}
  if [ ! -x "$W" ]; then
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEFT_BUILD_TESTS=OFF >/dev/null
    cmake --build build/release --target "$1" >/dev/null
  fi
}

# run_plain CMD...: REPS rounds of the commands, in order, each line tagged rep=.
run_plain() {
  local rep cmd
  for rep in $(seq 1 "$REPS"); do
    for cmd in "$@"; do
      echo "$($cmd) rep=$rep"
    done
  done
}

# Whole-machine busy % over 0.5 s, from /proc/stat.
busy_pct() {
  local a b
  read -r -a a < <(head -1 /proc/stat)
  sleep 0.5
  read -r -a b < <(head -1 /proc/stat)
  local t0=0 t1=0 i
  for i in 1 2 3 4 5 6 7 8; do t0=$((t0 + a[i])); t1=$((t1 + b[i])); done
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=$((t1 - t0))
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
# wait_quiet: waits up to $QUIET_MAX seconds for the whole machine to be under 20% busy and
# prints the busy % it last saw (the bg_busy= tag).
wait_quiet() {
  local start=$SECONDS p
  while :; do
    p=$(busy_pct)
    if [ "$p" -lt 20 ] || [ $((SECONDS - start)) -ge "$QUIET_MAX" ]; then echo "$p"; return; fi
  done
}

QUIET_MAX=${QUIET_MAX:-15}  # run_quiet: the longest wait for a quiet machine, in seconds
ONLY=${ONLY:-}              # run_quiet: a grep -E pattern; only the commands matching it run

# line_tag CMD: what run_quiet appends to CMD's line before rep= (a script may redefine it).
line_tag() { :; }

# run_quiet SCRIPT CMD...: REPS rounds of the commands matching ONLY (grep -E; all if empty),
# each after wait_quiet, its line tagged $(line_tag CMD) rep= bg_busy= and written to OUT and
# stderr; a failing command stops SCRIPT. Then benches/summarize.py prints the medians.
run_quiet() {
  local script=$1 rep cmd busy line
  shift
  mkdir -p "$(dirname "$OUT")"
  : >"$OUT"
  for rep in $(seq 1 "$REPS"); do
    for cmd in "$@"; do
      if [ -n "$ONLY" ] && ! grep -qE -- "$ONLY" <<<"$cmd"; then continue; fi
      busy=$(wait_quiet)
      line=$($cmd) || { echo "$script: failed: $cmd" >&2; exit 1; }
      local tag
      tag="$(line_tag "$cmd") rep=$rep bg_busy=$busy"
      sed "s/\$/$tag/" <<<"$line" | tee -a "$OUT" >&2  # every line, for programs printing several
    done
  done
  python3 benches/summarize.py "$OUT"
}

# start_server CMD...: runs a server in the background with port= the next PORT appended (SP:
# its pid), and waits up to 5 s until it listens on 127.0.0.1:PORT; 1 (and killed) if it never
# does. stop_server: kills SP and waits for it.
start_server() {
  PORT=$((PORT + 1))
  "$@" port="$PORT" >/dev/null 2>&1 &
  SP=$!
  for _ in $(seq 50); do
    ss -ltnH "sport = :$PORT" | grep -q . && return 0
    sleep 0.1
  done
  kill "$SP" 2>/dev/null
  return 1
}
stop_server() { kill "$SP" 2>/dev/null; wait "$SP" 2>/dev/null; }
