#!/usr/bin/env bash
# Node 20 is past end of life: the unit tests and the quickstart also run on Node 22 and 24 (the
# compiled dist/ from `npm run build`; fleet processes are forked with the same binary). The
# quickstart runs 8 s here, not 20: the same target, bots, native plane and thresholds.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
sed 's/^duration: 20s$/duration: 8s/' scenarios/quickstart.yaml > "$out/quickstart.yaml"
grep -q '^duration: 8s$' "$out/quickstart.yaml" || { echo "[other-nodes] scenarios/quickstart.yaml no longer says 'duration: 20s'"; exit 1; }
for major in 22 24; do
  node_bin="$(bash scripts/node-version.sh "$major")"
  echo "[other-nodes] $("$node_bin" --version): unit tests"
  "$node_bin" --test --test-concurrency=1 --test-timeout=300000 --test-reporter=dot dist/test/unit/*.test.js
  echo "[other-nodes] $("$node_bin" --version): quickstart"
  "$node_bin" dist/bin/rtcstorm.js run "$out/quickstart.yaml" --out "$out/quickstart-$major" > "$out/quickstart-$major.log" 2>&1 || { tail -30 "$out/quickstart-$major.log"; exit 1; }
  grep -m1 '^## rtcstorm' "$out/quickstart-$major.log"
done
