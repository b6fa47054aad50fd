#!/usr/bin/env bash
# Builds tokio-tls-bench offline from Debian's crate sources (see ../common/cargo_offline_build.sh).
# Result: target/release/tokio-tls-bench
exec "$(dirname "$0")/../common/cargo_offline_build.sh" "$(cd "$(dirname "$0")" && pwd)" \
     librust-tokio-native-tls-dev libssl-dev pkg-config
