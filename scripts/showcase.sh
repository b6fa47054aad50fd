#!/usr/bin/env bash
# Builds weft (Release) and runs every example, saying what each one shows; then a short
# scripted session with each application.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh g++ cmake ninja-build liburing-dev redis-tools
cmake -S . -B build/showcase -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_BENCHES=OFF -DWEFT_BUILD_EXAMPLES=ON -DWEFT_BUILD_GUIDE=OFF
cmake --build build/showcase
run() { echo; echo "== $1: $2"; "build/showcase/examples/example_$1"; }
run hello "an async function awaiting another, driven by weft::block_on"
run timer_future "the async book's hand-written TimerFuture, co_awaited; then a task polled by hand with our own waker"
run concurrency "concurrency is not parallelism: ten tasks on one thread each wait 100 ms, together"
run runtime "the multi-threaded Runtime: 10,000 tasks spread over 2 workers by work stealing, and spawn_blocking off the workers"
run time "timers: a timeout that cancels a slow request (its destructor runs), an interval, and the paused clock that runs a 1 h timeout in milliseconds"
run echo "networking: a TCP echo server on 127.0.0.1 and three clients talking to it at once"
run countserver "the count server: 1,000 concurrent clients, each gets the connection count, no gaps or duplicates"
run chat "line-based chat: every line goes to every other client; a client that stops reading is dropped, the others never wait for it"
run graceful_shutdown "signals: a server accepts until SIGTERM (sent to itself after 200 ms), then stops accepting and lets the open connections finish"

# mini-redis (docs/mini_redis.md), driven by Debian's redis-cli: start it on a free port, a few
# commands, then SIGTERM for a graceful shutdown.
echo; echo "== mini-redis: Tokio's mini-redis on weft, driven by the real redis-cli, stopped by SIGTERM"
mr_log=$(mktemp)
build/showcase/apps/mini_redis/mini-redis-server --port 0 >"$mr_log" &
mr_pid=$!
for _ in $(seq 100); do grep -q listening "$mr_log" && break; sleep 0.05; done
mr_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$mr_log")
head -1 "$mr_log"
mr() { echo "redis-cli> $*"; redis-cli -p "$mr_port" "$@"; }
mr set greeting "hello from weft"
mr get greeting
mr set flash "gone soon" PX 100
sleep 0.3
mr get flash
mr publish news "nobody is listening"
mr frobnicate
kill -TERM "$mr_pid"
wait "$mr_pid" && echo "mini-redis-server exited with status 0"
rm -f "$mr_log"
echo; echo "== weft-http: the Rust book's web server, async: GET /, a 404 and a HEAD with curl, then SIGTERM (exit 0)"
scripts/deps.sh curl
log=$(mktemp); build/showcase/apps/web_server/weft-http --port 0 >"$log" & pid=$!
for _ in $(seq 100); do grep -q listening "$log" && break; sleep 0.1; done; url=http://$(sed -n 's/listening on //p' "$log")
cat "$log"; curl -sS "$url/"; curl -sS -w 'status %{http_code}\n' "$url/nope"; curl -sSI "$url/"
kill -TERM "$pid"; wait "$pid"; echo "weft-http exited with status $?"; rm -f "$log"
echo; echo "== next: learn async with weft from the guide, docs/guide/README.md (its programs: examples/guide/)"
