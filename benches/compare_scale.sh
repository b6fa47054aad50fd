#!/usr/bin/env bash
# How an echo server's cost grows with its connections (issue 21's scale row), weft on epoll and
# io_uring next to Tokio and Asio, each on one thread, interleaved. For each server and each
# connection count in CONNS, benches/scale_load.cpp opens that many connections (one round trip
# each, then idle), reads the server's RSS, then runs a closed loop on ACTIVE of them and reads
# the server's CPU time: bytes of RSS per connection and server CPU microseconds per message.
#   PEERS=/path/to/built/peers REPS=3 CONNS="1000 10000 18000" benches/compare_scale.sh
# Servers and load generator need one descriptor per connection: the script raises the soft
# limit to the hard one (ulimit -n), and a count above the hard limit minus a margin fails
# loudly in scale_load (raising the hard limit needs CAP_SYS_RESOURCE; this VM's is 20,000).
set -uo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-3}
SECS=${SECS:-5}
CONNS=${CONNS:-1000 10000 18000}
ACTIVE=${ACTIVE:-5000}
OUT=${OUT:-benches/results/scale-$(date +%F).txt}
PORT=${PORT_BASE:-29500}
weft_bench net_server
L=${SCALE_LOAD:-build/release/benches/scale_load}
[ -x "$L" ] || cmake --build build/release --target scale_load >/dev/null
ulimit -n "$(ulimit -Hn)"


run() {  # run NAME DRIVER CONNS CMD...
  local name=$1 driver=$2 n=$3 line
  shift 3
  start_server "$@" || { echo "bench=scale impl=$name driver=$driver conns=$n FAILED" | tee -a "$OUT"; return; }
  line=$(timeout 120 "$L" port="$PORT" server_pid="$SP" conns="$n" active="$ACTIVE" \
         secs="$SECS" impl="$name" driver="$driver") || line="bench=scale impl=$name driver=$driver conns=$n FAILED"
  stop_server
  echo "$line rep=$rep" | tee -a "$OUT" >&2
}

mkdir -p "$(dirname "$OUT")"
: >"$OUT"
for rep in $(seq 1 "$REPS"); do
  for n in $CONNS; do
    run weft epoll "$n" "$W" echo driver=epoll threads=1 lifetime=120
    run weft uring "$n" "$W" echo driver=uring threads=1 lifetime=120
    run tokio - "$n" "$T" echo_server rt=current secs=120
    run asio - "$n" "$A/asio_server" mode=echo threads=1 lifetime=120
  done
done

# Medians per server and connection count.
python3 - "$OUT" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
    if "us_per_msg" not in kv:
        continue
    key = (kv["impl"], kv["driver"], int(kv["conns"]))
    r = rows.setdefault(key, {"b": [], "u": [], "r": []})
    r["b"].append(float(kv["bytes_per_conn"])); r["u"].append(float(kv["us_per_msg"]))
    r["r"].append(float(kv["per_sec"]))
print("| server | conns | runs | RSS bytes/conn (median) | server CPU us/msg (median, min-max) | msgs/s |")
print("|---|---|---|---|---|---|")
for (impl, drv, n), r in sorted(rows.items(), key=lambda x: (x[0][2], x[0][0], x[0][1])):
    name = impl if drv == "-" else f"{impl} {drv}"
    u = r["u"]
    print(f"| {name} | {n} | {len(u)} | {statistics.median(r['b']):.0f} | "
          f"{statistics.median(u):.2f} ({min(u):.2f}-{max(u):.2f}) | {statistics.median(r['r']):.3g} |")
PY
