#!/usr/bin/env bash
# Meetecho's simple-whip-server from Debian's archive, for target.whip with launch (a WHIP server
# nobody here wrote, in front of the launched Janus). Its .deb depends on Debian's nodejs 18, which
# cannot replace the Node 20 installed here, so the package is unpacked (not installed) into a cache
# of the machine's own and its Node modules come from the npm registry, in the versions Debian ships.
set -euo pipefail
version="0.0~git20230201-1"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/rtcstorm/simple-whip-server/$version"
if [ -f "$dir/.complete" ]; then
  echo "[setup] simple-whip-server $version: cached in $dir"
  exit 0
fi
echo "[setup] simple-whip-server $version → $dir"
rm -rf "$dir" && mkdir -p "$dir/download"
# A machine whose package lists are older than the archive: update them once, then try again.
(cd "$dir/download" && { apt-get download -qq "simple-whip-server=$version" 2>/dev/null || { apt-get update -qq && apt-get download -qq "simple-whip-server=$version"; }; })
dpkg-deb -x "$dir"/download/simple-whip-server_*.deb "$dir/package"
cat > "$dir/package.json" <<'JSON'
{ "name": "rtcstorm-simple-whip-server-deps", "private": true,
  "dependencies": { "async": "3.2.4", "body-parser": "1.20.1", "colors": "1.4.0", "cors": "2.8.5", "debug": "4.3.4", "express": "4.18.2", "websocket": "1.0.34" } }
JSON
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error --no-package-lock >/dev/null)
rm -rf "$dir/download"
touch "$dir/.complete"
