#!/usr/bin/env bash
# Side-by-side benchmark of Nodeward and its peers on the same generated log (docs/performance.md):
#   process-mining discovery: PM4Py (read_csv + format_dataframe + discover_dfg) vs `nodeward infer`;
#   policy decisions: cedarpy.is_authorized_batch vs `nodeward bench --workloads decide-node`;
#   JSON: Python json / orjson parse of the JSONL log vs `nodeward bench --workloads ingest`.
# PM4Py is AGPL: it runs as an outside program in its own venv, never linked.
#
# usage: scripts/bench-peers.sh [RUNS] [WORKDIR]     (default 100000 runs ≈ 0.9M steps, /tmp/nodeward-peers)
#        NODEWARD_BIN=path/to/release/nodeward scripts/bench-peers.sh   (use a binary already built)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-100000}"
work="${2:-/tmp/nodeward-peers}"
venv="$work/venv"
mkdir -p "$work"

if [ -n "${NODEWARD_BIN:-}" ]; then
  nodeward="$NODEWARD_BIN"      # an existing release binary (skips the build)
else
  echo "== building nodeward (release)" >&2
  swift build -c release --product nodeward >&2
  nodeward="$(swift build -c release --show-bin-path)/nodeward"
fi

if ! "$venv/bin/python" -c "import pm4py, cedarpy, orjson" 2>/dev/null; then
  echo "== creating $venv with pm4py, cedarpy, orjson from PyPI" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet pm4py cedarpy orjson
fi
python="$venv/bin/python"

fleet="$work/fleet-$runs"
if [ ! -f "$fleet/nodeward.yaml" ]; then
  echo "== generating $runs runs, 6 tenants, JSONL" >&2
  "$nodeward" generate --out "$fleet" --runs "$runs" --tenants 6 --format jsonl --force >/dev/null
fi

echo "== converting the log for PM4Py (one CSV row per step: case, activity, timestamp)" >&2
"$python" - "$fleet/traces" "$work/events.csv" <<'PY'
import csv, json, os, sys
folder, target = sys.argv[1], sys.argv[2]
with open(target, "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["case_id", "activity", "timestamp"])
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".jsonl"):
            continue
        for line in open(os.path.join(folder, name)):
            record = json.loads(line)
            if record.get("type") == "run" or "step" not in record:
                continue
            writer.writerow([record["tenant"] + "/" + record["run"], record["kind"] + ":" + record["operation"], record["time"]])
PY
events=$(($(wc -l < "$work/events.csv") - 1))
echo "events: $events" >&2

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== PM4Py: read_csv + format_dataframe + discover_dfg (3 runs)" >&2
pm4py_seconds=$(for _ in 1 2 3; do "$python" - "$work/events.csv" <<'PY'
import sys, time, warnings
warnings.filterwarnings("ignore")
start = time.perf_counter()
import pandas, pm4py
frame = pandas.read_csv(sys.argv[1])
frame = pm4py.format_dataframe(frame, case_id="case_id", activity_key="activity", timestamp_key="timestamp")
dfg, starts, ends = pm4py.discover_dfg(frame)
print(round(time.perf_counter() - start, 3))
PY
done | median)

echo "== nodeward infer on the same log (3 runs)" >&2
infer_seconds=$(for _ in 1 2 3; do
  "$nodeward" bench "$fleet" --workloads infer --format json 2>/dev/null | "$python" -c "import json,sys; print(json.load(sys.stdin)[0]['seconds'])"
done | median)

echo "== nodeward decide-node and decide-legacy" >&2
decide_json=$("$nodeward" bench "$fleet" --workloads decide-node,decide-legacy --steps 200000 --format json 2>/dev/null)

echo "== cedarpy.is_authorized_batch on the same policies and requests (first 20,000 steps)" >&2
"$nodeward" policy export "$fleet" --format cedar --requests --out "$work/cedar" >/dev/null 2>&1
cedar_us=$("$python" - "$work/cedar" <<'PY'
import json, sys, time, cedarpy
folder = sys.argv[1]
policies = open(folder + "/policies.cedar").read()
entities = json.load(open(folder + "/entities.json"))
requests = []
for line in open(folder + "/requests.jsonl"):
    requests.append(json.loads(line)["request"])
    if len(requests) == 20000:
        break
best = None
for _ in range(3):
    start = time.perf_counter()
    cedarpy.is_authorized_batch(requests, policies, entities)
    elapsed = time.perf_counter() - start
    best = elapsed if best is None else min(best, elapsed)
print(round(best / len(requests) * 1e6, 2))
PY
)

echo "== JSON: Python json and orjson over the JSONL log vs nodeward ingest" >&2
json_rates=$("$python" - "$fleet/traces" <<'PY'
import json, os, sys, time, orjson
folder = sys.argv[1]
data = b"".join(open(os.path.join(folder, n), "rb").read() for n in sorted(os.listdir(folder)) if n.endswith(".jsonl"))
lines = data.split(b"\n")
for name, parse in (("json", json.loads), ("orjson", orjson.loads)):
    start = time.perf_counter()
    for line in lines:
        if line:
            parse(line)
    print(name, round(len(data) / 1048576 / (time.perf_counter() - start), 1))
PY
)
ingest_json=$("$nodeward" bench "$fleet" --workloads ingest --format json 2>/dev/null)

"$python" - "$events" "$pm4py_seconds" "$infer_seconds" "$cedar_us" "$decide_json" "$ingest_json" "$json_rates" <<'PY'
import json, sys
events, pm4py_s, infer_s, cedar_us = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
decide = {r["workload"]: r for r in json.loads(sys.argv[5])}
ingest = json.loads(sys.argv[6])[0]
rates = dict(line.split() for line in sys.argv[7].strip().splitlines())
node = decide["decide-node"]["latency"]
legacy = decide["decide-legacy"]["latency"]
print(f"events                       {events:,}")
print(f"PM4Py read+format+DFG        {pm4py_s:.2f} s   ({events / pm4py_s:,.0f} events/s)")
print(f"nodeward infer               {infer_s:.2f} s   ({events / infer_s:,.0f} events/s)   ratio {pm4py_s / infer_s:.1f}x")
print(f"cedarpy is_authorized_batch  {cedar_us:.2f} us/decision")
print(f"nodeward node decision       median {node['medianNanos'] / 1000:.3f} us, mean {node['meanNanos'] / 1000:.3f} us   throughput ratio {cedar_us * 1000 / node['meanNanos']:.0f}x")
print(f"nodeward legacy decision     median {legacy['medianNanos'] / 1000:.3f} us, mean {legacy['meanNanos'] / 1000:.3f} us   throughput ratio {cedar_us * 1000 / legacy['meanNanos']:.0f}x")
print(f"JSON parse (JSONL log)       python json {rates['json']} MiB/s, orjson {rates['orjson']} MiB/s, nodeward ingest {ingest['megabytesPerSecond']} MiB/s ({ingest['stepsPerSecond']:,} steps/s)")
PY
