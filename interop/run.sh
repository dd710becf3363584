#!/usr/bin/env bash
# Runs the pack's generic scenarios (@generisk) against an independent FHIR server:
# @medplum/fhir-router's in-memory repository behind a Node https server with mutual TLS, on
# loopback, with the dev PKI. Usage: interop/run.sh [konform run flags...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/bin/konform"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" certs --dir "$work/certs" >/dev/null 2>&1
node "$root/interop/server.mjs" --certs "$work/certs" --fixtures "$root/fixtures" >"$work/url" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { echo "interop server did not start:"; cat "$work/server.log"; exit 3; }
cat >"$work/konform.yaml" <<YAML
environments:
  interop:
    kind: test
    description: "@medplum/fhir-router (in-memory) behind Node https with mutual TLS"
    base_url: $(cat "$work/url")
    ca: certs/ca.pem
    client: {cert: certs/client.pem, key: certs/client.key}
YAML
cd "$root"
"$bin" run --config "$work/konform.yaml" --env interop --certs "$work/certs" --tags "${TAGS-@generisk}" "$@"
