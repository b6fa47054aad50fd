#!/usr/bin/env bash
# Runs the install command that README.md gives ("Using weft from CMake"), exactly as written,
# in a fresh clone of this repository's HEAD, then builds and runs a find_package(weft)
# consumer (tests/install/consumer, whose CMakeLists.txt is the README's two lines) against
# what it installed. CXXFLAGS=-Werror makes any warning in that Release build an error here,
# where a user's build (without it) only warns.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
cmd=$(sed -n '/^## Using weft from CMake/,/^## /p' README.md | grep -m1 '^    cmake -S' | sed 's/^    //')
[ -n "$cmd" ] || { echo "readme_install_check: no install command found in README.md" >&2; exit 1; }
work=$(mktemp -d /tmp/weft-readme.XXXXXX)
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/weft"
echo "readme_install_check: $cmd"
# (CMAKE_BUILD_PARALLEL_LEVEL: the command's "cmake --build" would otherwise build on one core.)
(cd "$work/weft" && CXXFLAGS=-Werror CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) bash -c "$cmd")
cmake -S "$repo/tests/install/consumer" -B "$work/consumer" -G Ninja
cmake --build "$work/consumer"
"$work/consumer/consumer"
echo "readme_install_check: installed, found by find_package(weft), consumer ran"
