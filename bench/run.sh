#!/usr/bin/env bash
# Measures the wall time of `konform run` (what `make run` does after the build): the bundled pack
# against the in-process simulator, from process start to exit, N times in a scratch folder.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$PWD/bin/konform"
n="${N:-20}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
"$bin" certs >/dev/null 2>&1 # the first run of a fresh clone also writes the dev PKI; measure it once
start=$(date +%s%N); rm -rf certs; "$bin" run --sut ref >/dev/null 2>&1; first=$(( ($(date +%s%N) - start) / 1000000 ))
times=()
for _ in $(seq "$n"); do
  start=$(date +%s%N)
  "$bin" run --sut ref >/dev/null 2>&1
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "konform run, bundled pack vs in-process simulator, $n runs on $(nproc) cores:"
echo "  first run of a fresh folder (writes the dev PKI): ${first} ms"
echo "  min ${sorted[0]} ms · median ${sorted[$((n / 2))]} ms · max ${sorted[$((n - 1))]} ms"
