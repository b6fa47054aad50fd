#!/usr/bin/env bash
# Builds tokio-os-bench offline from Debian's crate sources (see ../common/cargo_offline_build.sh).
# Result: target/release/tokio-os-bench
exec "$(dirname "$0")/../common/cargo_offline_build.sh" "$(cd "$(dirname "$0")" && pwd)" \
     librust-signal-hook-registry-dev
