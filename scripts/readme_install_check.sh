#!/usr/bin/env bash
# Runs the install command that README.md gives ("Using weft from CMake"), exactly as written,
# in a fresh clone of this repository's HEAD, then builds and runs a find_package(weft)
# consumer (tests/install/consumer, whose CMakeLists.txt is the README's two lines) against
# what it installed. The command runs as a user's would, without -Werror (test.sh's
# release-check step holds the Release build of the library, benches and examples to -Werror).
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
(cd "$work/weft" && CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) bash -c "$cmd")
# The second command of that section installs the applications into the same prefix.
apps_cmd=$(sed -n '/^## Using weft from CMake/,/^## /p' README.md | grep '^    cmake --build build --target mini_redis' | sed 's/^    //')
[ -n "$apps_cmd" ] || { echo "readme_install_check: no apps install command found in README.md" >&2; exit 1; }
echo "readme_install_check: $apps_cmd"
(cd "$work/weft" && CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) bash -c "$apps_cmd")
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$work/weft/build/CMakeCache.txt")
for p in mini-redis-server mini-redis-cli weft-http; do
  [ -x "$prefix/bin/$p" ] || { echo "readme_install_check: $prefix/bin/$p was not installed" >&2; exit 1; }
done
"$prefix/bin/weft-http" --help >/dev/null  # the installed program runs
echo "readme_install_check: the applications are installed in $prefix/bin"
cmake -S "$repo/tests/install/consumer" -B "$work/consumer" -G Ninja
cmake --build "$work/consumer"
"$work/consumer/consumer"
echo "readme_install_check: installed, found by find_package(weft), consumer ran"
