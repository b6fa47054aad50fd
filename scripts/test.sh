#!/usr/bin/env bash
# Builds weft with -Werror and runs the whole test suite. CI (.ci/run) runs exactly this.
#   1. GCC, Debug: every test under AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer
#      on), then the multi-threaded tests again and again (see "Repeats" below); the live
#      dashboard's page is loaded in Debian's chromium, headless (console.browser), and a
#      screenshot left in build/asan/console.png; the guide's programs (examples/guide/, label
#      guide) run here, and guide.excerpts checks that docs/guide/ quotes them verbatim;
#   2. clang 14, Release (-O3, NDEBUG): every test again under ASan + UBSan (optimised code, the
#      second compiler, and the installed-ABI check the other way round: a Debug consumer);
#      then a 30-second libFuzzer smoke of each parser (RESP, HTTP) from its seed corpus;
#   3. GCC, ThreadSanitizer: the executor, runtime, task, sync, time, net, fs, signal, process
#      and stream tests (only those are built), then the multi-threaded ones repeated;
#   4. the Release build of the library, examples and benches with -Werror;
#   5. the README's install command, verbatim, in a fresh clone, then a find_package(weft)
#      consumer built against what it installed;
#   6. the formatting check against .clang-format;
#   7. weft on a Cortex-M3: scripts/embedded.sh builds the demo firmware and runs it under QEMU
#      (its toolchain, about 480 MB from Debian's archive, installs in the background while
#      step 1 compiles).
#
# Repeats. A test that fails one run in ten must not land: ctest --repeat until-fail:N runs
# the multi-threaded tests (the concurrency labels, by name: workers, threads, races, stress,
# aborts, shutdown ...; about 200 tests) N more times each and stops at the first failure. Each
# of them runs 1 + 1 (ASan) + 1 (clang) + 1 + 1 (TSan) = 5 times, so a one-in-ten flake passes
# all of them with probability 0.9^5 = 59%: it is caught 41 times in 100 (a one-in-five flake,
# 67 times). That is what fits the 40-minute CI budget on 2 cores (each ASan repeat of the set
# takes about 50 s, each TSan one about 50 s; a full run took 41:15 on 2026-12-06 with 4 ASan
# repeats, 2 TSan repeats and 20 s of fuzzing per parser, on an otherwise idle machine, and
# 36:27 with 3 ASan repeats and 1 TSan repeat; with the guide's programs in the ASan build, 2
# ASan repeats took 36:22 and 39:19 on this noisy machine, so the guide took two repeats'
# place); scripts/stress.sh hunts longer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh g++ cmake ninja-build liburing-dev libgtest-dev libgmock-dev clang-format \
                redis-tools curl wrk apache2-utils netcat-openbsd python3 \
                clang-14 libclang-rt-14-dev git chromium libssl-dev openssl
jobs=$(nproc)
repeat_asan=${WEFT_REPEAT_ASAN:-1}
repeat_tsan=${WEFT_REPEAT_TSAN:-1}
concurrent='executor|runtime|sync|stream|time|net|embedded'
# The TSan step's labels: the concurrent ones and the modules with their own threads or signals.
tsan_labels="$concurrent|fs|signal|process"
threaded='Worker|Thread|Race|Stress|Across|Concurrent|Multi|multi|Cross|Parallel|Contend|Steal|Many|Shutdown|Abort|Interrupt|Racing'
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1
step() { echo; echo "== test.sh: $* ($(date +%T))"; }
# repeat_threaded DIR N NAME...: step NAME: the multi-threaded tests of the build in DIR, up to N
# more runs each (stopping at the first failure, whose log tail is shown).
repeat_threaded() {
  step "${*:3}: the multi-threaded tests, up to $2 more runs each"
  ctest --test-dir "$1" -L "$concurrent" -R "$threaded" -j "$jobs" --output-on-failure \
        --repeat "until-fail:$2" > "$1/repeat.log" 2>&1 ||
    { tail -n 200 "$1/repeat.log"; exit 1; }
  tail -n 3 "$1/repeat.log"
}

# The embedded toolchain downloads and unpacks while the first build compiles (step 7 waits).
mkdir -p build
scripts/embedded.sh --deps-only > build/embedded-deps.log 2>&1 &
embedded_deps=$!

step "GCC, ASan+UBSan, Debug"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWEFT_WERROR=ON \
      -DWEFT_SANITIZE=address,undefined
cmake --build build/asan -j "$jobs"
ctest --test-dir build/asan -j "$jobs" --output-on-failure
repeat_threaded build/asan "$repeat_asan" GCC, ASan+UBSan

step "clang 14, ASan+UBSan, Release"
CC=clang-14 CXX=clang++-14 cmake -S . -B build/clang-asan -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DWEFT_WERROR=ON -DWEFT_SANITIZE=address,undefined -DWEFT_BUILD_BENCHES=OFF \
      -DWEFT_BUILD_EXAMPLES=OFF -DWEFT_BUILD_FUZZ=ON
cmake --build build/clang-asan -j "$jobs"
ctest --test-dir build/clang-asan -j "$jobs" --output-on-failure

# The parsers' libFuzzer targets (built above), each from its committed seed corpus for a short
# smoke: any crash, leak, sanitizer report or slow input fails CI. Long runs: see the apps' docs.
step "clang 14, libFuzzer smoke: ${WEFT_FUZZ_SECONDS:-15} s per parser"
for list in build/clang-asan/fuzz_targets/*.txt; do
  [ -e "$list" ] || continue
  read -r bin corpus < "$list"
  work=$(mktemp -d)
  "$bin" -max_total_time="${WEFT_FUZZ_SECONDS:-15}" -timeout=5 -rss_limit_mb=2048 \
         -print_final_stats=1 "$work" "$corpus" > "$work.log" 2>&1 ||
    { tail -n 60 "$work.log"; exit 1; }
  echo "$(basename "$bin"): $(grep -m1 'stat::number_of_executed_units' "$work.log")"
  rm -rf "$work" "$work.log"
done

step "GCC, TSan"
cmake -S . -B build/tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWEFT_WERROR=ON \
      -DWEFT_SANITIZE=thread -DWEFT_BUILD_BENCHES=OFF -DWEFT_BUILD_EXAMPLES=OFF \
      -DWEFT_BUILD_APPS=OFF "-DWEFT_TEST_LABELS=${tsan_labels//|/;}"
cmake --build build/tsan -j "$jobs"
ctest --test-dir build/tsan -L "$tsan_labels" -j "$jobs" --output-on-failure
repeat_threaded build/tsan "$repeat_tsan" GCC, TSan

# GCC warns differently at -O3 (-Wrestrict, -Wmaybe-uninitialized), so the Release build of the
# library, examples and benches is compiled with -Werror too.
step "GCC, Release, -Werror: library, examples, benches"
cmake -S . -B build/release-check -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEFT_WERROR=ON \
      -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_BENCHES=ON -DWEFT_BUILD_EXAMPLES=ON \
      -DWEFT_BUILD_GUIDE=OFF
cmake --build build/release-check -j "$jobs"

step "the README's install command, verbatim, in a fresh clone"
scripts/readme_install_check.sh

step "formatting"
files=$(git ls-files '*.hpp' '*.cpp')
clang-format --dry-run --Werror $files
echo "format: clean"

step "weft on a Cortex-M3 under QEMU (scripts/embedded.sh)"
wait "$embedded_deps" || { cat build/embedded-deps.log; exit 1; }
scripts/embedded.sh
