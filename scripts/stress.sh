#!/usr/bin/env bash
# Hunts flaky tests: runs the tests of a ctest label (or a name regex) again and again until one
# fails, a repeat count is reached, or a time limit passes.
#
#   scripts/stress.sh [-d BUILD_DIR] [-l LABEL_REGEX] [-R NAME_REGEX] [-n REPEATS] [-t SECONDS] [-j JOBS]
#
# Defaults: build/asan (built by scripts/test.sh; build/tsan for ThreadSanitizer), every label
# of the concurrency-heavy tests, 100 repeats, no time limit, nproc jobs. Each test runs in its
# own process, so LeakSanitizer checks every run. Exits non-zero on the first failure, with that
# test's output; 124 if the time limit passed with no failure seen.
#
# Examples:
#   scripts/stress.sh -l runtime -n 500 -t 1800
#   scripts/stress.sh -d build/tsan -R 'JoinSet\.' -n 200
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build/asan
label='executor|runtime|sync|stream|time|net'
name=''
repeats=100
limit=0
jobs=$(nproc)
while getopts "d:l:R:n:t:j:h" opt; do
  case $opt in
    d) dir=$OPTARG ;;
    l) label=$OPTARG ;;
    R) name=$OPTARG ;;
    n) repeats=$OPTARG ;;
    t) limit=$OPTARG ;;
    j) jobs=$OPTARG ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
  esac
done
[ -f "$dir/CTestTestfile.cmake" ] || { echo "stress: no tests in $dir (run scripts/test.sh first)" >&2; exit 2; }
args=(--test-dir "$dir" -j "$jobs" --output-on-failure --repeat "until-fail:$repeats")
if [ -n "$name" ]; then args+=(-R "$name"); else args+=(-L "$label"); fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}
what="label $label"; [ -n "$name" ] && what="tests matching $name"
echo "stress: $what in $dir, up to $repeats runs each$([ "$limit" != 0 ] && echo ", for at most ${limit}s")"
if [ "$limit" != 0 ]; then
  exec timeout --foreground "$limit" ctest "${args[@]}"
fi
exec ctest "${args[@]}"
