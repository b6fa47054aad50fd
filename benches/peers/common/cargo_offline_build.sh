#!/usr/bin/env bash
# Builds the Tokio peer in the folder given as $1 OFFLINE from the crate sources that Debian's
# librust-*-dev packages unpack under /usr/share/cargo/registry (the source
# replacement is in .cargo/config.toml), the same way as the shared Tokio peer
# (/work/shared/peers/tokio/build.sh). Installs what is missing with apt-get.
# Result: $1/target/release/<its binary>. Used by tokio_time/build.sh, tokio_sync/build.sh and
# tokio_stream/build.sh.
#   cargo_offline_build.sh DIR [PKG...]
# Any PKG after DIR is a further Debian package the peer's crates come from (installed if
# missing, like librust-tokio-dev), e.g. librust-futures-dev for tokio_stream.
set -euo pipefail
cd "$1"
shift

# tokio 1.24.2 (+ its deps: pin-project-lite, num_cpus, libc, autocfg), and the caller's extras.
PKGS=(librust-tokio-dev "$@")
command -v cargo >/dev/null 2>&1 || PKGS+=(cargo)   # Debian's cargo 1.65 / rustc 1.63

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "build.sh: installing ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

ls -d /usr/share/cargo/registry/tokio-1.24* >/dev/null 2>&1 ||
  { echo "build.sh: /usr/share/cargo/registry has no tokio-1.24*" >&2; exit 1; }

# Cargo.lock (lockfile version 3, readable by Debian's cargo too) pins the
# versions and checksums of the Debian-packaged crates. If the installed
# packages differ (a later Debian revision), re-resolve against them once.
if ! cargo build --release --offline; then
  echo "build.sh: build failed with the shipped Cargo.lock; re-resolving against the installed crates" >&2
  mv -f Cargo.lock Cargo.lock.orig
  cargo generate-lockfile --offline
  cargo build --release --offline
fi
echo "build.sh: built $(pwd)/target/release/"
