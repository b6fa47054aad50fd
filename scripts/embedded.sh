#!/usr/bin/env bash
# weft on a microcontroller: builds the demo firmware (examples/embedded) for QEMU's
# mps2-an385 board (a Cortex-M3) and runs it there (docs/embedded.md). CI runs it.
#   1. installs what is missing: Debian's gcc-arm-none-eabi, libstdc++-arm-none-eabi-newlib
#      and qemu-system-arm (with --deps-only, only that);
#   2. builds the freestanding core, weft::embedded and the demo with -Werror, and an empty
#      main with the same start-up (the baseline for the size goal);
#   3. runs the demo under qemu-system-arm with a timeout: it must exit with status 0 (it
#      checks its own results) and print every line checked below;
#   4. prints arm-none-eabi-size of both, and the demo's code beyond the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
WEFT_DEPS_NO_RECOMMENDS=1 scripts/deps.sh cmake ninja-build gcc-arm-none-eabi \
  libstdc++-arm-none-eabi-newlib qemu-system-arm
[ "${1:-}" = "--deps-only" ] && exit 0

build=build/embedded
mkdir -p build
cmake -S examples/embedded -B "$build" -G Ninja -DWEFT_WERROR=ON \
      -DCMAKE_TOOLCHAIN_FILE="$PWD/examples/embedded/arm-none-eabi.cmake" > build/embedded.configure.log ||
  { cat build/embedded.configure.log; exit 1; }
cmake --build "$build"

out="$build/demo.out"
status=0
timeout 60 qemu-system-arm -M mps2-an385 -nographic -monitor none \
        -semihosting-config enable=on,target=native -kernel "$build/demo.elf" > "$out" 2>&1 ||
  status=$?
cat "$out"
if [ "$status" -ne 0 ]; then
  echo "embedded: the firmware under QEMU exited with status $status (124: it ran past 60 s)"
  exit 1
fi
for line in "blinker: LED on at 0 ms" "blinker: LED off at 250 ms" "producer: sent 1..8" \
            "consumer: sum 36" "in use at the end" "all tasks done"; do
  grep -qF "$line" "$out" || { echo "embedded: the output lacks: $line"; exit 1; }
done
presses=$(grep -c "^button: pressed at" "$out" || true)
[ "$presses" -eq 3 ] || { echo "embedded: $presses button presses, not 3"; exit 1; }

arm-none-eabi-size "$build/demo.elf" "$build/empty.elf"
text() { arm-none-eabi-size "$1" | awk 'NR == 2 { print $1 }'; }
demo=$(text "$build/demo.elf")
base=$(text "$build/empty.elf")
echo "embedded: the demo runs under QEMU; executor + tasks: $((demo - base)) bytes of flash beyond an empty main's $base (goal: <= 8192)"
