#!/usr/bin/env bash
# How cost grows with input: runs `nodeward bench` on generated data of 100k, 1M and 5M steps (by
# default) and prints one table of seconds, steps/s and peak RSS per workload and size. Each size runs
# in its own process so peak RSS is that size's alone.
#
#   scripts/bench-scaling.sh [DATA_DIR] [SIZES...]       # e.g. scripts/bench-scaling.sh /tmp/nw-scale 100000 1000000
#   NODEWARD_BIN=.build/release/nodeward  WORKLOADS=ingest-jsonl,infer,replay  REPEAT=1
set -euo pipefail
cd "$(dirname "$0")/.."

data=${1:-/tmp/nodeward-scaling}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000 5000000)
workloads=${WORKLOADS:-ingest-otlp,ingest-jsonl,infer,replay}
repeat=${REPEAT:-1}
bin=${NODEWARD_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product nodeward >&2
  bin=.build/release/nodeward
fi
mkdir -p "$data"

printf '| steps | workload | seconds | steps/s | MiB/s | peak RSS MiB |\n|---|---|---|---|---|---|\n'
for size in "${sizes[@]}"; do
  IFS=',' read -ra names <<<"$workloads"
  for workload in "${names[@]}"; do
    # Generated beforehand (the layout `bench --data` reuses), so peak RSS is the workload's alone.
    format=jsonl; [ "$workload" = ingest-otlp ] && format=otlp
    folder="$data/steps-$size-$format-seed-42"
    if [ ! -f "$folder/.complete" ]; then
      rm -rf "$folder"
      "$bin" generate --out "$folder" --steps "$size" --tenants 6 --format "$format" >/dev/null
      touch "$folder/.complete"
    fi
    "$bin" bench --workloads "$workload" --steps "$size" --data "$data" --repeat "$repeat" --format json 2>/dev/null \
      | python3 -c '
import json, sys
for row in json.load(sys.stdin):
    mib = row["megabytesPerSecond"] if row["bytes"] else "-"
    print("| {:,} | {} | {:.2f} | {:,} | {} | {} |".format(row["steps"], row["workload"], row["seconds"], row["stepsPerSecond"], mib, row["peakRSSMegabytes"]))
'
  done
done
