#!/usr/bin/env bash
# One set-up path for a fresh machine (Debian bookworm, Node 20, root or sudo, no internet except
# Debian's archive and the npm registry): system packages, npm dependencies, the TypeScript build,
# and the mediasoup worker (built once per machine, cached under ~/.cache/rtcstorm by version and patch).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential pkg-config python3-venv                       # worker build tools (meson/ninja come from pip)
  libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev  # libraries the worker links instead of downloading
  libflatbuffers-dev flatbuffers-compiler
  chromium                                                      # browser fleet groups
  iproute2 nftables                                             # kernel network impairment
  janus                                                         # a foreign SFU target (Janus VideoRoom)
  vpx-tools                                                     # vpxenc: the video bots' VP8 clips, encoded once
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "[setup] installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# mediasoup's postinstall would try GitHub and then a build that needs internet; the worker is
# built below instead, so tell it to skip.
echo "[setup] npm ci"
MEDIASOUP_WORKER_BIN=built-by-rtcstorm-setup npm ci --no-audit --no-fund --loglevel=error

echo "[setup] tsc"
npm run --silent build

node dist/target-server/worker-build/build-worker.js
node dist/bots/native-plane/build-addon.js
node dist/bots/video/build-clips.js
bash scripts/install-simple-whip-server.sh
echo "[setup] done: try  npm run rtcstorm -- doctor"
