#!/usr/bin/env bash
# Peak memory of `switchboard run --once` streaming 0.5M, 5M and 20M records through
# mock.source -> mock.passthrough -> mock.sink (null): it must not grow with the record count.
# Prints max RSS per run and the ratio of the largest to the smallest run.
set -euo pipefail
binary=${1:-"$(dirname "$0")/../build/bin/switchboard"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -a rss
for n in 500000 5000000 20000000; do
  mkdir -p "$work/$n"
  cat > "$work/$n/host.json" <<JSON
{"state": "state.db", "log": {"level": "warn"},
 "tenants": [{"id": "bench", "plugins": ["mock"], "routes": [{"id": "stream", "batch_size": 1000,
   "source": {"component": "mock.source", "config": {"count": $n, "fields": 8}},
   "processors": [{"component": "mock.passthrough"}],
   "sink": {"component": "mock.sink", "config": {"mode": "null"}}}]}]}
JSON
  /usr/bin/time -f "%M %e" -o "$work/$n/time" "$binary" run "$work/$n/host.json" --once >/dev/null 2>&1
  read -r kb seconds < "$work/$n/time"
  rss+=("$kb")
  printf '%9d records: max RSS %6d KiB, %6.2f s (%.0f records/s)\n' "$n" "$kb" "$seconds" \
    "$(echo "$n / $seconds" | bc -l)"
done
printf 'max RSS 20M / 0.5M records: %.2f (bounded: the queues hold at most a few batches)\n' \
  "$(echo "${rss[2]} / ${rss[0]}" | bc -l)"
