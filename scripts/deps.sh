#!/usr/bin/env bash
# Installs the Debian packages weft needs, if any is missing. Usage: scripts/deps.sh PKG...
# With WEFT_DEPS_NO_RECOMMENDS=1, without the packages' Recommends (scripts/embedded.sh: QEMU
# recommends its GUI, firmware images and block drivers, over a hundred packages it does not use).
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  flags=(-y -qq)
  [ "${WEFT_DEPS_NO_RECOMMENDS:-0}" = 1 ] && flags+=(--no-install-recommends)
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install "${flags[@]}" "${missing[@]}"
fi
