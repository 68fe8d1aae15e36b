#!/usr/bin/env bash
# Runs the sidecar's tests (NodewardServerTests) once under ThreadSanitizer.
# Usage: scripts/tsan-server.sh [extra swift test arguments]
# Builds into its own scratch path (.build-tsan), so the normal .build/debug is never rebuilt with the
# sanitizer. The first run compiles everything (~15-25 min on 2 cores); later runs are incremental.
# Exit status: swift test's (a data race reported by TSan fails the run). Log: .build-tsan/tsan-server.log
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-tsan
mkdir -p "$scratch"
log="$scratch/tsan-server.log"
started=$(date +%s)
set +e
# halt_on_error=0: report every race in one run instead of stopping at the first.
TSAN_OPTIONS="halt_on_error=0${TSAN_OPTIONS:+:$TSAN_OPTIONS}" \
  swift test --sanitize=thread --scratch-path "$scratch" --filter NodewardServerTests "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
races=$(grep -c "WARNING: ThreadSanitizer: data race" "$log" || true)
echo "tsan-server: exit $status, $races data race report(s), $(( $(date +%s) - started )) s; log $log" >&2
[ "$races" -eq 0 ] || status=1
exit "$status"
