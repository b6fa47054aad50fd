#!/usr/bin/env bash
# weft-http next to Debian's nginx and the Tokio peer, serving the same 13-byte body
# ("Hello, World!", the Tokio peer's fixed answer), interleaved, one line per run:
#   http_wrk: wrk -t2 -c64 -d${SECS}s, keep-alive (one connection carries many requests);
#   http_ab:  ab -n $AB_N -c 64, a new connection per request.
# Servers: weft-http --root DIR --threads $WORKERS (file DIR/hello.txt); nginx from a generated
# minimal nginx.conf (daemon off, master_process off, worker_processes 1, access_log off,
# keepalive_requests raised so wrk's connections are not recycled every 1000 requests: weft-http
# has no such limit), same file; and, if TOKIO_BENCH names a built tokio-bench, its http_raw
# (tokio + httparse, hand-rolled) and http_hyper (hyper 0.14), which answer "/" from memory.
# Each line gets cpu_us_per_req=: the server process's utime+stime from /proc/PID/stat over the
# run, per request. On a 2-core machine the load generator competes with the server for the
# cores, so CPU per request, not requests/s, is the fair comparison (issue 18's goal: no more
# server CPU per request than nginx).
#   REPS=3 SECS=10 AB_N=100000 TOKIO_BENCH=/tmp/tokio-target/release/tokio-bench \
#     benches/compare_http.sh
# ONLY (grep -E over "bench impl", e.g. ONLY='wrk' or ONLY='weft|nginx') picks rows; OUT=FILE
# also writes the lines there and prints the medians of both measures; WEFT_HTTP=PATH uses that
# weft-http instead of building a Release one. A tiny check that the
# script works: REPS=1 SECS=1 AB_N=200 benches/compare_http.sh
set -uo pipefail
. "$(dirname "$0")/lib.sh"  # cd to the repository root, shared setup
REPS=${REPS:-3}
SECS=${SECS:-10}
AB_N=${AB_N:-100000}
CONNS=64
PORT=${PORT_BASE:-28700}
TOKIO_BENCH=${TOKIO_BENCH:-$T}
ONLY=${ONLY:-}
weft_bench weft_http "${WEFT_HTTP:-build/release/apps/web_server/weft-http}"

for tool in wrk ab nginx ss; do
  command -v "$tool" >/dev/null || { echo "compare_http.sh: $tool is not installed" >&2; exit 1; }
done

DIR=$(mktemp -d /tmp/compare_http.XXXXXX)
trap 'stop; rm -rf "$DIR"' EXIT
mkdir -p "$DIR/www"
printf 'Hello, World!' >"$DIR/www/hello.txt"  # 13 bytes, as the Tokio peer's body

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
SP=
start() {  # start CMD...: runs a server on $PORT (already chosen), waits until it listens
  "$@" >"$DIR/server.log" 2>&1 &
  SP=$!
  for _ in $(seq 100); do
    ss -ltnH "sport = :$PORT" | grep -q . && return 0
    sleep 0.1
  done
  stop
  return 1
}
stop() {
  if [ -n "$SP" ]; then
    kill "$SP" 2>/dev/null
    wait "$SP" 2>/dev/null
    SP=
  fi
}

nginx_conf() {  # nginx_conf PORT: a minimal config in $DIR
  cat >"$DIR/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $DIR/nginx-body;
  proxy_temp_path $DIR/nginx-proxy;
  fastcgi_temp_path $DIR/nginx-fastcgi;
  uwsgi_temp_path $DIR/nginx-uwsgi;
  scgi_temp_path $DIR/nginx-scgi;
  types { text/plain txt; }
  server {
    listen 127.0.0.1:$1;
    root $DIR/www;
  }
}
EOF
}

# serve IMPL: starts IMPL on the next port; sets URL.
serve() {
  PORT=$((PORT + 1))
  case $1 in
    weft) start "$W" --port "$PORT" --root "$DIR/www" --threads "$N" && URL=http://127.0.0.1:$PORT/hello.txt ;;
    nginx) nginx_conf "$PORT" && start nginx -p "$DIR" -c "$DIR/nginx.conf" && URL=http://127.0.0.1:$PORT/hello.txt ;;
    tokio_raw) start "$TOKIO_BENCH" http_raw port="$PORT" rt=multi workers="$N" secs=600 && URL=http://127.0.0.1:$PORT/ ;;
    tokio_hyper) start "$TOKIO_BENCH" http_hyper port="$PORT" rt=multi workers="$N" secs=600 && URL=http://127.0.0.1:$PORT/ ;;
  esac
}

# row BENCH IMPL: one measured run; prints its line.
row() {
  local bench=$1 impl=$2 t0 t1 out reqs rps failed=0 threads=$N
  [ "$impl" = nginx ] && threads=1
  serve "$impl" || { echo "bench=$bench impl=$impl FAILED to start"; return; }
  t0=$(ticks "$SP")
  if [ "$bench" = http_wrk ]; then
    out=$(timeout $((SECS + 60)) wrk -t2 -c"$CONNS" -d"${SECS}s" "$URL" 2>&1)
    reqs=$(awk '/requests in/{print $1}' <<<"$out")
    rps=$(awk '/^Requests\/sec:/{print $2}' <<<"$out")
    failed=$(awk '/Socket errors|Non-2xx/{s += 1} END {print s + 0}' <<<"$out")
  else
    out=$(timeout 600 ab -q -n "$AB_N" -c "$CONNS" "$URL" 2>&1)
    reqs=$(awk '/^Complete requests:/{print $3}' <<<"$out")
    rps=$(awk '/^Requests per second:/{print $4}' <<<"$out")
    failed=$(awk '/^Failed requests:/{f = $3} /^Non-2xx responses:/{f += $3} END {print f + 0}' <<<"$out")
  fi
  t1=$(ticks "$SP")
  stop
  if [ -z "$reqs" ] || [ -z "$rps" ]; then
    echo "bench=$bench impl=$impl FAILED: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
    return
  fi
  awk -v b="$bench" -v i="$impl" -v th="$threads" -v c="$CONNS" -v reqs="$reqs" -v rps="$rps" \
      -v d=$((t1 - t0)) -v f="$failed" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    us = d * 1e6 / hz
    per = (reqs > 0) ? us / reqs : 0
    printf "bench=%s impl=%s threads=%s conns=%d requests=%s errors=%s per_sec=%s cpu_us_per_req=%.2f\n",
           b, i, th, c, reqs, f, rps, per }'
}

IMPLS="weft nginx"
if [ -x "$TOKIO_BENCH" ]; then
  IMPLS="$IMPLS tokio_raw tokio_hyper"
else
  echo "compare_http.sh: no Tokio peer at TOKIO_BENCH=$TOKIO_BENCH: its rows are left out" >&2
fi

[ -n "${OUT:-}" ] && mkdir -p "$(dirname "$OUT")" && : >"$OUT"
for rep in $(seq 1 "$REPS"); do
  for bench in http_wrk http_ab; do
    for impl in $IMPLS; do
      if [ -n "$ONLY" ] && ! grep -qE -- "$ONLY" <<<"$bench $impl"; then continue; fi
      line="$(row "$bench" "$impl") rep=$rep"
      echo "$line"
      [ -n "${OUT:-}" ] && echo "$line" >>"$OUT"
    done
  done
done
# Medians per row (per_sec and cpu_us_per_req), when the lines were kept in OUT.
if [ -n "${OUT:-}" ]; then
  python3 - "$OUT" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
    if "per_sec" in kv:
        key = (kv["bench"], kv["impl"], kv["threads"])
        rows.setdefault(key, []).append((float(kv["per_sec"]), float(kv["cpu_us_per_req"])))
print("| bench | impl | threads | runs | requests/s (median) | server CPU us/request (median) |")
print("|---|---|---|---|---|---|")
for (b, i, t), v in rows.items():
    print(f"| {b} | {i} | {t} | {len(v)} | {statistics.median(x[0] for x in v):.4g} | "
          f"{statistics.median(x[1] for x in v):.2f} |")
PY
fi
exit 0
