#!/usr/bin/env bash
# Builds weft with -Werror and runs the whole test suite:
#   1. every test under AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer on);
#   2. the executor, runtime, sync, time, net, fs, signal and stream tests (cross-thread wakes,
#      stealing, aborts, shutdown, I/O readiness, blocking-pool file operations, signal delivery,
#      streams and task sets) again
#      under ThreadSanitizer;
#   3. the Release build (library, examples, benches) compiles with -Werror;
#   4. the formatting check against .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh g++ cmake ninja-build liburing-dev libgtest-dev libgmock-dev clang-format
jobs=$(nproc)

cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWEFT_WERROR=ON \
      -DWEFT_SANITIZE=address,undefined
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan -j "$jobs" --output-on-failure

cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWEFT_WERROR=ON \
      -DWEFT_SANITIZE=thread -DWEFT_BUILD_BENCHES=OFF -DWEFT_BUILD_EXAMPLES=OFF
cmake --build build/tsan -j "$jobs"
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build/tsan -L 'executor|runtime|sync|time|net|fs|signal|stream' -j "$jobs" --output-on-failure

# GCC warns differently at -O3 (e.g. -Wrestrict), so the Release build the showcase and the
# benchmarks use is compiled too, with -Werror.
cmake -S . -B build/release-check -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEFT_WERROR=ON \
      -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_BENCHES=ON -DWEFT_BUILD_EXAMPLES=ON
cmake --build build/release-check -j "$jobs"

files=$(git ls-files '*.hpp' '*.cpp')
clang-format --dry-run --Werror $files
echo "format: clean"
