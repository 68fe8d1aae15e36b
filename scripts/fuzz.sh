#!/usr/bin/env bash
# Builds one libFuzzer target from Fuzz/Targets/ and runs it for SECONDS with a seed corpus from Samples/.
#
#   scripts/fuzz.sh TARGET [SECONDS] [extra libFuzzer flags...]
#   scripts/fuzz.sh --build-all          # build every target, run none
#   scripts/fuzz.sh --list
#
# Targets: sandbox otlp jsonl bytejson policy threats workspace fastingest server pipeline dialects cel (one file each in Fuzz/Targets/).
# How it works (docs/fuzzing.md): NodewardCore and Yams are built by SwiftPM with the fuzzer and
# address sanitizers into their own build folder (.build/fuzz), then each target file is linked
# against those objects with swiftc. Nothing is added to the root package's products, so
# `swift build` and `swift test` never see a fuzz entry point.
#
# Artifacts: .build/fuzz/bin/fuzz-TARGET (binary), .build/fuzz/corpus/TARGET (the working corpus,
# kept between runs), .build/fuzz/findings/TARGET (crash-*, timeout-*, oom-* reproducers).
# Reproduce a finding: .build/fuzz/bin/fuzz-TARGET .build/fuzz/findings/TARGET/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(sandbox otlp jsonl bytejson policy threats workspace fastingest server pipeline dialects cel)
build=.build/fuzz
configuration=${NODEWARD_FUZZ_CONFIGURATION:-release}

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

build_core() {
  swift build -c "$configuration" --build-path "$build" --sanitize fuzzer --sanitize address \
    --target NodewardCore 2>&1 | grep -E "error|warning: .*Sources/NodewardCore" || true
  [ -f "$build/$configuration/Modules/NodewardCore.swiftmodule" ] || [ -d "$build/$configuration/Modules/NodewardCore.swiftmodule" ] \
    || { echo "error: NodewardCore did not build with sanitizers" >&2; exit 1; }
}

link_target() {
  local target=$1 products="$build/$configuration"
  local source="Fuzz/Targets/$target.swift"
  [ -f "$source" ] || { echo "error: no fuzz target $target (expected $source)" >&2; exit 2; }
  mkdir -p "$build/bin"
  local objects=()
  mapfile -t objects < <(find "$products/NodewardCore.build" "$products/Yams.build" "$products/CYaml.build" -name '*.o' | sort)
  local cyaml="$build/checkouts/Yams/Sources/CYaml/include"
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "Fuzz_$target" \
    -I "$products/Modules" -Xcc -fmodule-map-file="$cyaml/module.modulemap" -Xcc -I -Xcc "$cyaml" \
    -Xcc -fmodule-map-file=Sources/CZlib/module.modulemap -lz \
    "$source" "${objects[@]}" -o "$build/bin/fuzz-$target" 2>&1 | { grep -v "Cannot export local symbol" >&2 || true; }
}

# Seeds: real inputs of the target's format from Samples/ and the test fixtures. Copied, not linked,
# so libFuzzer's corpus folder can grow without touching the sources.
seed_corpus() {
  local target=$1 corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  local sources=()
  case $target in
    sandbox) sources=(Samples/fleet/tenants/*.yaml Tests/NodewardCoreTests/Fixtures/sandbox/*/*.yaml) ;;
    otlp) sources=(Samples/fleet/traces/*.otlp.jsonl Samples/fleet/traces/*.json Tests/NodewardCoreTests/Fixtures/traces/*/*.json) ;;
    jsonl) sources=(Samples/fleet/traces/*.steps.jsonl Tests/NodewardCoreTests/Fixtures/traces/*/*.jsonl) ;;
    bytejson) sources=(Tests/NodewardCoreTests/Fixtures/json/*/* Samples/fleet/traces/*.json) ;;
    policy) sources=(Tests/NodewardCoreTests/Fixtures/policy/*.yaml Tests/NodewardCoreTests/Fixtures/corpus/policy/*) ;;
    threats) sources=(Samples/fleet/threats.yaml Tests/NodewardCoreTests/Fixtures/corpus/threats/*) ;;
    workspace) sources=(Samples/fleet/nodeward.yaml Tests/NodewardCoreTests/Fixtures/corpus/workspace/*) ;;
    fastingest) sources=(Samples/fleet/traces/*.jsonl Tests/NodewardCoreTests/Fixtures/traces/*/*.jsonl) ;;
    dialects) sources=(Tests/NodewardCoreTests/Fixtures/dialects/*/*/*.json Tests/NodewardCoreTests/Fixtures/dialects/*/*/.[!.]*.json Tests/NodewardCoreTests/Fixtures/dialects/*/*/.[!.]*/*.json Tests/NodewardCoreTests/Fixtures/dialects/agentgateway/*.yaml) ;;
    server|pipeline|cel) sources=() ;;
  esac
  # The cel target: every mcpAuthorization rule of the agentgateway fixtures, one expression per seed.
  if [ "$target" = cel ]; then
    for file in Tests/NodewardCoreTests/Fixtures/dialects/agentgateway/*.yaml; do
      [ -f "$file" ] || continue
      { grep -E "^ *- (allow: |deny: |require: )?'" "$file" || true; } | sed -E "s/^ *- (allow: |deny: |require: )?'//; s/'\$//" \
        | { count=0; while IFS= read -r rule; do count=$((count + 1)); printf '%s' "$rule" > "$corpus/seed-rule-$(basename "$file")-$count"; done; }
    done
  fi
  # The pipeline target: a tenant sandbox, a line `%%`, then the first runs of that tenant's JSONL traces.
  if [ "$target" = pipeline ]; then
    for tenant in globex umbrella; do
      { cat "Samples/fleet/tenants/$tenant.yaml"; printf '\n%%%%\n'; head -n 30 "Samples/fleet/traces/$tenant.steps.jsonl"; } \
        | head -c 65536 > "$corpus/seed-pipeline-$tenant"
      head -n 12 "Samples/fleet/traces/$tenant.steps.jsonl" > "$corpus/seed-pipeline-$tenant-traces-only"
    done
  fi
  for file in "${sources[@]}"; do
    [ -f "$file" ] || continue
    # Large seeds slow every mutation; libFuzzer's -max_len caps them anyway. Keep the first 64 KiB.
    head -c 65536 "$file" > "$corpus/seed-$(echo "$file" | tr '/' '_')"
  done
  # Line formats: each line is also a seed on its own, so mutations start from single records.
  if [ "$target" = otlp ] || [ "$target" = jsonl ] || [ "$target" = bytejson ] || [ "$target" = server ]; then
    local pattern='*.otlp.jsonl'
    [ "$target" = jsonl ] && pattern='*.steps.jsonl'
    [ "$target" = server ] && pattern='*.steps.jsonl'
    for file in Samples/fleet/traces/$pattern; do
      [ -f "$file" ] || continue
      head -n 40 "$file" | split -l 1 -a 3 - "$corpus/seed-line-$(basename "$file")-"
    done
  fi
  # Generated policies from the sample fleet (one file per workflow).
  if [ "$target" = policy ] && [ ! -f "$build/policies.done" ]; then
    local generated="$build/generated-policies"
    rm -rf "$generated"
    if swift run -c debug nodeward policy generate Samples/fleet --policies "$generated" >/dev/null 2>&1; then
      touch "$build/policies.done"
    else
      echo "note: could not generate policies from Samples/fleet; seeding with the fixtures only" >&2
    fi
  fi
  if [ "$target" = policy ] && [ -d "$build/generated-policies" ]; then
    for file in "$build/generated-policies"/*.yaml; do
      [ -f "$file" ] && cp "$file" "$corpus/seed-generated-$(basename "$file")"
    done
  fi
  return 0
}

case ${1:-} in
  ""|-h|--help) usage ;;
  --list) printf '%s\n' "${targets[@]}"; exit 0 ;;
  --build-all)
    build_core
    for target in "${targets[@]}"; do link_target "$target"; done
    echo "built: ${targets[*]} in $build/bin"
    exit 0 ;;
esac

target=$1
seconds=${2:-60}
shift; [ $# -gt 0 ] && shift
# NODEWARD_FUZZ_NO_BUILD=1: use the binary --build-all made (CI runs every target right after it).
if [ "${NODEWARD_FUZZ_NO_BUILD:-}" != 1 ] || [ ! -x "$build/bin/fuzz-$target" ]; then
  build_core
  link_target "$target"
fi
seed_corpus "$target"
findings="$build/findings/$target"
mkdir -p "$findings"
log="$build/fuzz-$target.log"
# -timeout: an input that takes over 10 s (NODEWARD_FUZZ_TIMEOUT; raise it on a loaded machine, where a
# starved process trips it) is a hang; -rss_limit_mb: a blowup. Both are findings.
# detect_leaks=0 (libFuzzer's and ASan's at-exit check): the Swift runtime's metadata and one-time caches stay allocated until exit, which
# LeakSanitizer reports as a leak of the (empty) last input; memory growth is caught by -rss_limit_mb.
set +e
ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$build/bin/fuzz-$target" "$build/corpus/$target" \
  -max_total_time="$seconds" -timeout="${NODEWARD_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -max_len=65536 -detect_leaks=0 \
  -artifact_prefix="$findings/" -print_final_stats=1 "$@" 2>&1 | tee "$log" | grep -E "^#[0-9]+ .*(INITED|DONE|NEW|REDUCE)|==ERROR|SUMMARY|Test unit written|stat::" | tail -n 40
status=${PIPESTATUS[0]}
set -e
executions=$(grep -E "^stat::number_of_executed_units" "$log" | tail -n 1 | awk '{print $2}')
echo "fuzz $target: ${seconds}s, executions ${executions:-?}, exit $status, findings in $findings ($(ls "$findings" | wc -l) files)"
exit "$status"
