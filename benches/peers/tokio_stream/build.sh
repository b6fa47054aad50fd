#!/usr/bin/env bash
# Builds tokio-stream-bench offline from Debian's crate sources (see ../common/cargo_offline_build.sh),
# with the futures and async-stream crates of librust-futures-dev and librust-async-stream-dev.
# Result: target/release/tokio-stream-bench
exec "$(dirname "$0")/../common/cargo_offline_build.sh" "$(cd "$(dirname "$0")" && pwd)" \
  librust-futures-dev librust-async-stream-dev
