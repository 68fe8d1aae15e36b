#!/usr/bin/env bash
# Schemathesis against a live sidecar: docs/shadow-api.openapi.yaml must describe every status the
# server answers, and no request it generates may get a 5xx.
#
# Usage: scripts/schemathesis.sh [max-seconds]   (default 75; the whole script stays within ~2 minutes)
# Needs the debug build (swift build); installs schemathesis from PyPI into .build/schemathesis-venv.
# Starts `nodeward shadow serve` on Samples/fleet (policies generated into a temporary folder) on a free
# loopback port with a bearer token and no store, and stops it at the end, also on failure.
# Exit status: schemathesis's (0: no failure found). Server log on failure: printed.
set -euo pipefail
cd "$(dirname "$0")/.."

max_seconds="${1:-75}"
binary="${NODEWARD_BINARY:-$(swift build --show-bin-path)/nodeward}"
[ -x "$binary" ] || { echo "schemathesis.sh: no $binary; run swift build first" >&2; exit 2; }

venv="$(pwd)/.build/schemathesis-venv"
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet schemathesis
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$binary" policy generate Samples/fleet --graphs Samples/fleet/graphs --policies "$work/policies" >/dev/null 2>"$work/generate.log" \
  || { cat "$work/generate.log" >&2; exit 2; }
token="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
printf '%s\n' "$token" > "$work/token"

# Port 0: the kernel picks a free loopback port; the sidecar prints it on its "listening on" line.
"$binary" shadow serve Samples/fleet --policies "$work/policies" --no-store --host 127.0.0.1 --port 0 \
  --token-file "$work/token" 2>"$work/serve.log" &
server_pid=$!
port=""
for _ in $(seq 1 150); do
  port="$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\).*|\1|p' "$work/serve.log" | head -n 1)"
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "schemathesis.sh: the sidecar did not start:" >&2; cat "$work/serve.log" >&2; exit 2; }
  sleep 0.2
done
[ -n "$port" ] || { echo "schemathesis.sh: the sidecar did not start listening:" >&2; cat "$work/serve.log" >&2; exit 2; }

status=0
spec="$(pwd)/docs/shadow-api.openapi.yaml"
# Run from the temporary folder: schemathesis keeps its example database in ./.schemathesis.
(cd "$work" && timeout "$((max_seconds + 30))" "$venv/bin/schemathesis" --no-color run "$spec" \
  --url "http://127.0.0.1:$port" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance \
  --max-examples 40 --max-time "$max_seconds" --seed 13 --workers 1 \
  --request-timeout 10) \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "schemathesis.sh: failures found (exit $status); sidecar log:" >&2
  tail -n 40 "$work/serve.log" >&2
fi
exit "$status"
