# Sourced by the compare scripts (compare_sync.sh, compare_stream.sh): waiting for the machine
# to be quiet before each program. wait_quiet waits up to $QUIET_MAX seconds for the whole
# machine to be under 20% busy and prints the busy % it last saw (the bg_busy= tag).

# Whole-machine busy % over 0.5 s, from /proc/stat.
busy_pct() {
  local a b
  read -r -a a < <(head -1 /proc/stat)
  sleep 0.5
  read -r -a b < <(head -1 /proc/stat)
  local t0=0 t1=0 i
  for i in 1 2 3 4 5 6 7 8; do t0=$((t0 + a[i])); t1=$((t1 + b[i])); done
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=$((t1 - t0))
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
wait_quiet() {
  local start=$SECONDS p
  while :; do
    p=$(busy_pct)
    if [ "$p" -lt 20 ] || [ $((SECONDS - start)) -ge "$QUIET_MAX" ]; then echo "$p"; return; fi
  done
}
