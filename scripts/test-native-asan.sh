#!/usr/bin/env bash
# The native media plane's addon under AddressSanitizer: the media-plane, voice-accounting and ICE-consent unit tests (real sockets,
# malformed datagrams included) with the ASan build of the addon loaded into Node.
set -euo pipefail
cd "$(dirname "$0")/.."
addon="$(node dist/bots/native-plane/build-addon.js --asan | sed -n 's/^\[native-plane\] asan: //p')"
asan="$(gcc -print-file-name=libasan.so)"
export LD_PRELOAD="$asan" ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" RTCSTORM_NATIVE_ADDON="$addon"
# Proof the sanitizer is in the process that loads the addon, not only asked for.
node -e "require(process.env.RTCSTORM_NATIVE_ADDON); if (!require('fs').readFileSync('/proc/self/maps', 'utf8').includes('libasan')) { console.error('ASan is not loaded'); process.exit(1); }"
echo "[native-asan] media-plane tests with $addon"
node --test --test-reporter=dot dist/test/unit/media-planes.test.js dist/test/unit/voice-accounting.test.js dist/test/unit/ice-consent.test.js
# Without AES-NI and without io_uring: the OpenSSL path a CPU without it takes, and the send() a packet that a
# sandbox refusing io_uring takes, on the same tests.
echo "[native-asan] media-plane tests without AES-NI and without io_uring"
RTCSTORM_NATIVE_NO_AESNI=1 RTCSTORM_NATIVE_IO_URING=0 node --test --test-reporter=dot dist/test/unit/media-planes.test.js
