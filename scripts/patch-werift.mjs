#!/usr/bin/env node
/**
 * Makes joining cheap, and lets joins made during a partition recover: a small patch to werift 0.24.4
 * as installed in node_modules, applied by package.json's "postinstall" (so `npm ci` in
 * scripts/setup.sh applies it) and safe to run again.
 *
 * Every change is an exact string replacement anchored on text that must occur exactly once in the
 * file. A file that already carries a change (its `rtcstorm-patch(<id>)` marker) is left alone; an
 * anchor that is missing or ambiguous (a werift upgrade) stops the script, naming file and anchor,
 * before anything is written. test/unit/werift-patch.test.ts fails when the installed werift is not
 * patched, and checks the changed code against Node's crypto.
 *
 * Both copies of the code are patched: the ESM bundle (lib/index.mjs, what `import 'werift'` loads)
 * and the CommonJS files (what `require('werift')` loads). lib/nonstandard/index.mjs (werift's
 * media helpers, not used by rtcstorm) carries a third copy of the DTLS code and is left as it is.
 *
 * Usage: node scripts/patch-werift.mjs [--check]   (--check: change nothing, exit 1 if not patched)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';

const expectedVersion = '0.24.4';
const esm = 'lib/index.mjs';

/** @type {Array<{ id: string, why: string, edits: Array<{ file: string, find: string, replace: string }> }>} */
const patches = [
  {
    id: 'dtls-start-now',
    why: `As DTLS client, werift waited a fixed 100 ms after ICE before sending its ClientHello. rtcstorm
connects the mediasoup transport before werift starts DTLS, and a lost ClientHello is retransmitted
anyway, so the wait only added 100 ms to every join.`,
    edits: [
      {
        file: esm,
        find: `      if (this.dtls instanceof DtlsClient) {
        await setTimeout7(100);
`,
        replace: `      if (this.dtls instanceof DtlsClient) {
        // rtcstorm-patch(dtls-start-now): no fixed 100 ms wait before the ClientHello (scripts/patch-werift.mjs)
`,
      },
      {
        file: 'lib/webrtc/src/transport/dtls.js',
        find: `            if (this.dtls instanceof dtls_1.DtlsClient) {
                await (0, promises_1.setTimeout)(100);
`,
        replace: `            if (this.dtls instanceof dtls_1.DtlsClient) {
                // rtcstorm-patch(dtls-start-now): no fixed 100 ms wait before the ClientHello (scripts/patch-werift.mjs)
`,
      },
    ],
  },
  {
    id: 'ice-no-idle-pacing',
    why: `werift paces connectivity checks 20 ms apart (Ta), but it also slept 20 ms after the last check
before it looked at the result, so ICE reported connected 20 ms late. The loop now ends as soon as
no pair is left to check and the remote candidates are complete; pacing between checks is kept.`,
    edits: [
      {
        file: esm,
        find: `      if (!this.schedulingChecks()) break;
      await timers.setTimeout(20);
`,
        replace: `      if (!this.schedulingChecks()) break;
      // rtcstorm-patch(ice-no-idle-pacing): pace only before another check, not after the last one
      if (this.remoteCandidatesEnd && !this.checkList.some((pair) => pair.state === 0 /* FROZEN */ || pair.state === 1 /* WAITING */)) break;
      await timers.setTimeout(20);
`,
      },
      {
        file: 'lib/ice/src/ice.js',
        find: `            if (!this.schedulingChecks())
                break;
            await timers.setTimeout(20);
`,
        replace: `            if (!this.schedulingChecks())
                break;
            // rtcstorm-patch(ice-no-idle-pacing): pace only before another check, not after the last one
            if (this.remoteCandidatesEnd && !this.checkList.some((pair) => pair.state === iceBase_1.CandidatePairState.FROZEN || pair.state === iceBase_1.CandidatePairState.WAITING))
                break;
            await timers.setTimeout(20);
`,
      },
    ],
  },
  {
    id: 'retransmit-reads-first',
    why: `A join storm keeps the bot process's event loop busy for longer than werift's retransmission
timers (STUN checks: 50 ms, doubling; DTLS flights: 500 ms). A timer then fires before the answer,
already waiting in the socket, is read, and werift sends again: about one STUN retransmission and
half a DTLS flight 5 per peer connection, extra work for the bots and extra load on the SFU under
test. Before retransmitting, werift now lets the input that has arrived be read (one setImmediate).`,
    edits: [
      {
        file: esm,
        find: `      await setTimeout2(1e3 * ((retransmitCount + 1) / 2));
      if (this.dtls.flight >= this.nextFlight) {
`,
        replace: `      await setTimeout2(1e3 * ((retransmitCount + 1) / 2));
      await new Promise((resolve) => setImmediate(resolve)); // rtcstorm-patch(retransmit-reads-first): read what arrived first
      if (this.dtls.flight >= this.nextFlight) {
`,
      },
      {
        file: esm,
        find: `      await this.wait(this.timeoutDelay);
      if (this.ended) {
`,
        replace: `      await this.wait(this.timeoutDelay);
      await new Promise((resolve) => setImmediate(resolve)); // rtcstorm-patch(retransmit-reads-first): read what arrived first
      if (this.ended) {
`,
      },
      {
        file: 'lib/dtls/src/flight/flight.js',
        find: `            await (0, promises_1.setTimeout)(1000 * ((retransmitCount + 1) / 2));
            if (this.dtls.flight >= this.nextFlight) {
`,
        replace: `            await (0, promises_1.setTimeout)(1000 * ((retransmitCount + 1) / 2));
            await new Promise((resolve) => setImmediate(resolve)); // rtcstorm-patch(retransmit-reads-first): read what arrived first
            if (this.dtls.flight >= this.nextFlight) {
`,
      },
      {
        file: 'lib/ice/src/stun/transaction.js',
        find: `                    await this.wait(this.timeoutDelay);
                    if (this.ended) {
`,
        replace: `                    await this.wait(this.timeoutDelay);
                    await new Promise((resolve) => setImmediate(resolve)); // rtcstorm-patch(retransmit-reads-first): read what arrived first
                    if (this.ended) {
`,
      },
    ],
  },
  {
    id: 'srtp-aes-cm-only',
    why: `werift offered (as DTLS client) and preferred (as server) SRTP_AEAD_AES_128_GCM, and mediasoup
picks it. rtcstorm's own SRTP path implements AES_CM_128_HMAC_SHA1_80 (WebRTC's mandatory profile)
with reused cipher objects; GCM would need a cipher object per packet. So werift offers and accepts
only AES_CM_128_HMAC_SHA1_80, in both DTLS roles.`,
    edits: [
      {
        file: esm,
        find: `var srtpProfiles = [
  SRTP_PROFILE.SRTP_AEAD_AES_128_GCM,
  // prefer
  SRTP_PROFILE.SRTP_AES128_CM_HMAC_SHA1_80
];
`,
        replace: `// rtcstorm-patch(srtp-aes-cm-only): offer and accept AES_CM_128_HMAC_SHA1_80 only (scripts/patch-werift.mjs)
var srtpProfiles = [
  SRTP_PROFILE.SRTP_AES128_CM_HMAC_SHA1_80
];
`,
      },
      {
        file: 'lib/webrtc/src/secureTransportManager.js',
        find: `const srtpProfiles = [
    const_1.SRTP_PROFILE.SRTP_AEAD_AES_128_GCM, // prefer
    const_1.SRTP_PROFILE.SRTP_AES128_CM_HMAC_SHA1_80,
];
`,
        replace: `// rtcstorm-patch(srtp-aes-cm-only): offer and accept AES_CM_128_HMAC_SHA1_80 only (scripts/patch-werift.mjs)
const srtpProfiles = [
    const_1.SRTP_PROFILE.SRTP_AES128_CM_HMAC_SHA1_80,
];
`,
      },
    ],
  },
  {
    id: 'ecdhe-node-crypto',
    why: `The ECDHE key pair and shared secret of every handshake ran in JavaScript: X25519 (what
mediasoup picks) on tweetnacl, about 1 ms per scalar multiplication, two per handshake; P-256 on
@noble/curves, slower still. Node's crypto (OpenSSL) does both for a tenth of that. Keys stay raw
Buffers as before. (X25519 keys are generated straight to JWK: see the comment in the patched code
for the Node 20 deadlock that exporting a generated KeyObject can hit.)`,
    edits: [
      {
        file: esm,
        find: `import { p256 } from "@noble/curves/p256";
var p256Keypair = () => {
  const priv = p256.utils.randomPrivateKey();
  const pub = p256.getPublicKey(priv, false);
  const privateKey = Buffer.from(priv);
  const publicKey = Buffer.from(pub);
  return {
    privateKey,
    publicKey
  };
};
var p256PreMasterSecret = ({
  publicKey,
  privateKey
}) => {
  const res = p256.getSharedSecret(privateKey, publicKey);
  const secret = Buffer.from(res).subarray(1);
  return secret;
};
`,
        replace: `// rtcstorm-patch(ecdhe-node-crypto): P-256 and X25519 on Node's crypto, not JavaScript curves (scripts/patch-werift.mjs)
import * as rtcstormCrypto from "crypto";
var p256Keypair = () => {
  const ecdh = rtcstormCrypto.createECDH("prime256v1");
  const publicKey = ecdh.generateKeys();
  return { privateKey: ecdh.getPrivateKey(), publicKey };
};
var p256PreMasterSecret = ({ publicKey, privateKey }) => {
  const ecdh = rtcstormCrypto.createECDH("prime256v1");
  ecdh.setPrivateKey(privateKey);
  return ecdh.computeSecret(publicKey);
};
// X25519 keys leave key generation as JWK, never as KeyObjects: exporting a KeyObject made by
// generateKeyPairSync can deadlock Node 20 (a GC during the export frees the generation job, whose
// destructor takes the lock the export holds). The JWK is kept for the shared secret's import.
var rtcstormX25519Jwk = /* @__PURE__ */ new WeakMap();
var x25519Keypair = () => {
  const { privateKey: jwk } = rtcstormCrypto.generateKeyPairSync("x25519", { privateKeyEncoding: { format: "jwk" }, publicKeyEncoding: { format: "jwk" } });
  const privateKey = Buffer.from(jwk.d, "base64url");
  rtcstormX25519Jwk.set(privateKey, jwk);
  return { privateKey, publicKey: Buffer.from(jwk.x, "base64url") };
};
var x25519PreMasterSecret = (publicKey, privateKey) => {
  const jwk = rtcstormX25519Jwk.get(privateKey);
  return rtcstormCrypto.diffieHellman({
    privateKey: jwk ? rtcstormCrypto.createPrivateKey({ key: jwk, format: "jwk" }) : rtcstormCrypto.createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), privateKey]), format: "der", type: "pkcs8" }),
    publicKey: rtcstormCrypto.createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(publicKey).toString("base64url") }, format: "jwk" })
  });
};
`,
      },
      {
        file: esm,
        find: `      return Buffer.from(nacl.scalarMult(privateKey, publicKey));
`,
        replace: `      return x25519PreMasterSecret(publicKey, privateKey); // rtcstorm-patch(ecdhe-node-crypto)
`,
      },
      {
        file: esm,
        find: `    case NamedCurveAlgorithm.x25519_29: {
      const keys = nacl2.box.keyPair();
      return {
        curve: namedCurve,
        privateKey: Buffer.from(keys.secretKey.buffer),
        publicKey: Buffer.from(keys.publicKey.buffer)
      };
    }
`,
        replace: `    case NamedCurveAlgorithm.x25519_29: {
      const { privateKey, publicKey } = x25519Keypair(); // rtcstorm-patch(ecdhe-node-crypto)
      return { curve: namedCurve, privateKey, publicKey };
    }
`,
      },
      {
        file: 'lib/dtls/src/cipher/ec.js',
        find: `const p256_1 = require("@noble/curves/p256");
const p256Keypair = () => {
    const priv = p256_1.p256.utils.randomPrivateKey();
    const pub = p256_1.p256.getPublicKey(priv, false);
    const privateKey = Buffer.from(priv);
    const publicKey = Buffer.from(pub);
    return {
        privateKey,
        publicKey,
    };
};
exports.p256Keypair = p256Keypair;
const p256PreMasterSecret = ({ publicKey, privateKey, }) => {
    const res = p256_1.p256.getSharedSecret(privateKey, publicKey);
    const secret = Buffer.from(res).subarray(1);
    return secret;
};
exports.p256PreMasterSecret = p256PreMasterSecret;
`,
        replace: `// rtcstorm-patch(ecdhe-node-crypto): P-256 and X25519 on Node's crypto, not JavaScript curves (scripts/patch-werift.mjs)
const crypto_1 = require("crypto");
const p256Keypair = () => {
    const ecdh = (0, crypto_1.createECDH)("prime256v1");
    const publicKey = ecdh.generateKeys();
    return { privateKey: ecdh.getPrivateKey(), publicKey };
};
exports.p256Keypair = p256Keypair;
const p256PreMasterSecret = ({ publicKey, privateKey, }) => {
    const ecdh = (0, crypto_1.createECDH)("prime256v1");
    ecdh.setPrivateKey(privateKey);
    return ecdh.computeSecret(publicKey);
};
exports.p256PreMasterSecret = p256PreMasterSecret;
// X25519 keys leave key generation as JWK, never as KeyObjects: exporting a KeyObject made by
// generateKeyPairSync can deadlock Node 20 (a GC during the export frees the generation job, whose
// destructor takes the lock the export holds). The JWK is kept for the shared secret's import.
const x25519Jwk = new WeakMap();
const x25519Keypair = () => {
    const { privateKey: jwk } = (0, crypto_1.generateKeyPairSync)("x25519", { privateKeyEncoding: { format: "jwk" }, publicKeyEncoding: { format: "jwk" } });
    const privateKey = Buffer.from(jwk.d, "base64url");
    x25519Jwk.set(privateKey, jwk);
    return { privateKey, publicKey: Buffer.from(jwk.x, "base64url") };
};
exports.x25519Keypair = x25519Keypair;
const x25519PreMasterSecret = (publicKey, privateKey) => {
    const jwk = x25519Jwk.get(privateKey);
    return (0, crypto_1.diffieHellman)({
        privateKey: jwk ? (0, crypto_1.createPrivateKey)({ key: jwk, format: "jwk" }) : (0, crypto_1.createPrivateKey)({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), privateKey]), format: "der", type: "pkcs8" }),
        publicKey: (0, crypto_1.createPublicKey)({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(publicKey).toString("base64url") }, format: "jwk" }),
    });
};
exports.x25519PreMasterSecret = x25519PreMasterSecret;
`,
      },
      {
        file: 'lib/dtls/src/cipher/prf.js',
        find: `            return Buffer.from(tweetnacl_1.default.scalarMult(privateKey, publicKey));
`,
        replace: `            return (0, ec_1.x25519PreMasterSecret)(publicKey, privateKey); // rtcstorm-patch(ecdhe-node-crypto)
`,
      },
      {
        file: 'lib/dtls/src/cipher/namedCurve.js',
        find: `            const keys = tweetnacl_1.default.box.keyPair();
            return {
                curve: namedCurve,
                privateKey: Buffer.from(keys.secretKey.buffer),
                publicKey: Buffer.from(keys.publicKey.buffer),
            };
`,
        replace: `            const { privateKey, publicKey } = (0, ec_1.x25519Keypair)(); // rtcstorm-patch(ecdhe-node-crypto)
            return { curve: namedCurve, privateKey, publicKey };
`,
      },
    ],
  },
  {
    id: 'sign-parsed-key',
    why: `Each handshake parsed the certificate and key PEMs again in JavaScript (@fidm/x509), and each
signature (CertificateVerify as client, ServerKeyExchange as server) handed Node the PEM text, which
OpenSSL parsed again: about 0.4 ms a signature. The process's certificate (one per process, shared
by its bots) is now parsed once, and signatures use the parsed KeyObject.`,
    edits: [
      {
        file: esm,
        find: `import { createSign, randomBytes as randomBytes2, webcrypto } from "crypto";
`,
        replace: `import { createSign, randomBytes as randomBytes2, webcrypto } from "crypto";
// rtcstorm-patch(sign-parsed-key): the last certificate and key parsed, with the key as a KeyObject
import { createPrivateKey as rtcstormCreatePrivateKey } from "crypto";
var rtcstormParsedX509;
`,
      },
      {
        file: esm,
        find: `    const signature = createSign(hash2).update(data);
    const key = this.localPrivateKey.toPEM().toString();
    const signed = signature.sign(key);
    return signed;
`,
        replace: `    return createSign(hash2).update(data).sign(this.rtcstormSigningKey); // rtcstorm-patch(sign-parsed-key)
`,
      },
      {
        file: esm,
        find: `    const enc = this.localPrivateKey.sign(sig, hashAlgorithm);
`,
        replace: `    const enc = createSign(hashAlgorithm).update(sig).sign(this.rtcstormSigningKey); // rtcstorm-patch(sign-parsed-key)
`,
      },
      {
        file: esm,
        find: `    const cert = Certificate.fromPEM(Buffer.from(certPem));
    const sec = PrivateKey.fromPEM(Buffer.from(keyPem));
    this.localCert = cert.raw;
    this.localPrivateKey = sec;
`,
        replace: `    // rtcstorm-patch(sign-parsed-key): parse once per certificate, not once per handshake
    if (rtcstormParsedX509?.certPem !== certPem || rtcstormParsedX509?.keyPem !== keyPem) {
      rtcstormParsedX509 = { certPem, keyPem, cert: Certificate.fromPEM(Buffer.from(certPem)).raw, sec: PrivateKey.fromPEM(Buffer.from(keyPem)), signingKey: rtcstormCreatePrivateKey(keyPem) };
    }
    this.localCert = rtcstormParsedX509.cert;
    this.localPrivateKey = rtcstormParsedX509.sec;
    this.rtcstormSigningKey = rtcstormParsedX509.signingKey;
`,
      },
      {
        file: 'lib/dtls/src/context/cipher.js',
        find: `const crypto = crypto_1.webcrypto;
`,
        replace: `const crypto = crypto_1.webcrypto;
// rtcstorm-patch(sign-parsed-key): the last certificate and key parsed, with the key as a KeyObject
let rtcstormParsedX509;
`,
      },
      {
        file: 'lib/dtls/src/context/cipher.js',
        find: `        const signature = (0, crypto_1.createSign)(hash).update(data);
        const key = this.localPrivateKey.toPEM().toString();
        const signed = signature.sign(key);
        return signed;
`,
        replace: `        return (0, crypto_1.createSign)(hash).update(data).sign(this.rtcstormSigningKey); // rtcstorm-patch(sign-parsed-key)
`,
      },
      {
        file: 'lib/dtls/src/context/cipher.js',
        find: `        const enc = this.localPrivateKey.sign(sig, hashAlgorithm);
`,
        replace: `        const enc = (0, crypto_1.createSign)(hashAlgorithm).update(sig).sign(this.rtcstormSigningKey); // rtcstorm-patch(sign-parsed-key)
`,
      },
      {
        file: 'lib/dtls/src/context/cipher.js',
        find: `        const cert = x509_1.Certificate.fromPEM(Buffer.from(certPem));
        const sec = x509_1.PrivateKey.fromPEM(Buffer.from(keyPem));
        this.localCert = cert.raw;
        this.localPrivateKey = sec;
`,
        replace: `        // rtcstorm-patch(sign-parsed-key): parse once per certificate, not once per handshake
        if (rtcstormParsedX509?.certPem !== certPem || rtcstormParsedX509?.keyPem !== keyPem) {
            rtcstormParsedX509 = { certPem, keyPem, cert: x509_1.Certificate.fromPEM(Buffer.from(certPem)).raw, sec: x509_1.PrivateKey.fromPEM(Buffer.from(keyPem)), signingKey: (0, crypto_1.createPrivateKey)(keyPem) };
        }
        this.localCert = rtcstormParsedX509.cert;
        this.localPrivateKey = rtcstormParsedX509.sec;
        this.rtcstormSigningKey = rtcstormParsedX509.signingKey;
`,
      },
    ],
  },
  {
    id: 'fingerprint-once',
    why: `Every SDP werift wrote parsed the certificate PEM again (in JavaScript) to hash it into the
a=fingerprint line, several times per peer connection. The fingerprint is now computed once per
certificate.`,
    edits: [
      {
        file: esm,
        find: `  getFingerprints() {
    return [
      new RTCDtlsFingerprint(
        "sha-256",
        fingerprint(
          Certificate3.fromPEM(Buffer.from(this.certPem)).raw,
          "sha256"
        )
      )
    ];
  }
`,
        replace: `  getFingerprints() {
    // rtcstorm-patch(fingerprint-once): hash the certificate once, not for every SDP
    if (this.rtcstormFingerprintOf !== this.certPem) {
      this.rtcstormFingerprint = fingerprint(Certificate3.fromPEM(Buffer.from(this.certPem)).raw, "sha256");
      this.rtcstormFingerprintOf = this.certPem;
    }
    return [new RTCDtlsFingerprint("sha-256", this.rtcstormFingerprint)];
  }
`,
      },
      {
        file: 'lib/webrtc/src/transport/dtls.js',
        find: `    getFingerprints() {
        return [
            new RTCDtlsFingerprint("sha-256", (0, utils_1.fingerprint)(x509_1.Certificate.fromPEM(Buffer.from(this.certPem)).raw, "sha256")),
        ];
    }
`,
        replace: `    getFingerprints() {
        // rtcstorm-patch(fingerprint-once): hash the certificate once, not for every SDP
        if (this.rtcstormFingerprintOf !== this.certPem) {
            this.rtcstormFingerprint = (0, utils_1.fingerprint)(x509_1.Certificate.fromPEM(Buffer.from(this.certPem)).raw, "sha256");
            this.rtcstormFingerprintOf = this.certPem;
        }
        return [new RTCDtlsFingerprint("sha-256", this.rtcstormFingerprint)];
    }
`,
      },
    ],
  },
  {
    id: 'lazy-log-summary',
    why: `Every handshake formatted its keys and handshake messages as hex strings for werift's debug
log (and again for each duplicate handshake message), whether or not that log is enabled: about 2%
of a join. They are now formatted only when the log is on (DEBUG=werift-dtls*).`,
    edits: [
      {
        file: esm,
        find: `    log9(this.dtls.sessionId, "cipher", this.cipher.cipher.summary);
`,
        replace: `    if (log9.enabled) log9(this.dtls.sessionId, "cipher", this.cipher.cipher.summary); // rtcstorm-patch(lazy-log-summary)
`,
      },
      {
        file: esm,
        find: `    log9(this.dtls.sessionId, "finished", this.cipher.cipher.summary);
`,
        replace: `    if (log9.enabled) log9(this.dtls.sessionId, "finished", this.cipher.cipher.summary); // rtcstorm-patch(lazy-log-summary)
`,
      },
      {
        file: esm,
        find: `        log10(this.sessionId, "exist", exist.summary, isLocal, flight);
`,
        replace: `        if (log10.enabled) log10(this.sessionId, "exist", exist.summary, isLocal, flight); // rtcstorm-patch(lazy-log-summary)
`,
      },
      {
        file: esm,
        find: `  log16(dtls.sessionId, "setup cipher", cipher.cipher.summary);
`,
        replace: `  if (log16.enabled) log16(dtls.sessionId, "setup cipher", cipher.cipher.summary); // rtcstorm-patch(lazy-log-summary)
`,
      },
      {
        file: 'lib/dtls/src/flight/client/flight5.js',
        find: `        log(this.dtls.sessionId, "cipher", this.cipher.cipher.summary);
`,
        replace: `        if (log.enabled) log(this.dtls.sessionId, "cipher", this.cipher.cipher.summary); // rtcstorm-patch(lazy-log-summary)
`,
      },
      {
        file: 'lib/dtls/src/flight/client/flight5.js',
        find: `        log(this.dtls.sessionId, "finished", this.cipher.cipher.summary);
`,
        replace: `        if (log.enabled) log(this.dtls.sessionId, "finished", this.cipher.cipher.summary); // rtcstorm-patch(lazy-log-summary)
`,
      },
      {
        file: 'lib/dtls/src/context/dtls.js',
        find: `                log(this.sessionId, "exist", exist.summary, isLocal, flight);
`,
        replace: `                if (log.enabled) log(this.sessionId, "exist", exist.summary, isLocal, flight); // rtcstorm-patch(lazy-log-summary)
`,
      },
      {
        file: 'lib/dtls/src/flight/server/flight6.js',
        find: `        log(dtls.sessionId, "setup cipher", cipher.cipher.summary);
`,
        replace: `        if (log.enabled) log(dtls.sessionId, "setup cipher", cipher.cipher.summary); // rtcstorm-patch(lazy-log-summary)
`,
      },
    ],
  },  {
    id: 'flight5-one-datagram',
    why: `As DTLS client werift sent its flight 5 (Certificate, ClientKeyExchange, CertificateVerify,
ChangeCipherSpec, Finished: about 700 bytes) as five datagrams, and all five again whenever the
server retransmitted its flight 4. mediasoup retransmits after 100 ms, which a join storm often
exceeds, so a peer connection sent 5 to 10 datagrams where 1 to 2 do, and the SFU under test read
them all. The records now go out together in one datagram, as RFC 6347 §4.1.1 allows.`,
    edits: [
      {
        file: esm,
        find: `      this.sendChangeCipherSpec(),
      this.sendFinished()
    ].filter((v) => v);
    this.dtls.lastMessage = messages;
`,
        replace: `      this.sendChangeCipherSpec(),
      this.sendFinished()
    ].filter((v) => v);
    messages.splice(0, messages.length, Buffer.concat(messages)); // rtcstorm-patch(flight5-one-datagram): one datagram, not five
    this.dtls.lastMessage = messages;
`,
      },
      {
        file: 'lib/dtls/src/flight/client/flight5.js',
        find: `            this.sendChangeCipherSpec(),
            this.sendFinished(),
        ].filter((v) => v);
        this.dtls.lastMessage = messages;
`,
        replace: `            this.sendChangeCipherSpec(),
            this.sendFinished(),
        ].filter((v) => v);
        messages.splice(0, messages.length, Buffer.concat(messages)); // rtcstorm-patch(flight5-one-datagram): one datagram, not five
        this.dtls.lastMessage = messages;
`,
      },
    ],
  },
  {
    id: 'nominate-lite-at-once',
    why: `Against an ICE-lite peer (mediasoup is one) werift checked the pair first and then sent a second
check carrying USE-CANDIDATE to nominate it: two STUN transactions, one round trip more, per peer
connection. A lite peer only answers checks and takes the pair a USE-CANDIDATE check arrives on, so
the first check now carries it, as browsers do towards ICE-lite servers.`,
    edits: [
      {
        file: esm,
        find: `    const nominate = this.iceControlling && !this.remoteIsLite;
`,
        replace: `    const nominate = this.iceControlling; // rtcstorm-patch(nominate-lite-at-once): an ICE-lite peer takes the first check
`,
      },
      {
        file: 'lib/ice/src/ice.js',
        find: `                const nominate = this.iceControlling && !this.remoteIsLite;
`,
        replace: `                const nominate = this.iceControlling; // rtcstorm-patch(nominate-lite-at-once): an ICE-lite peer takes the first check
`,
      },
    ],
  },
  {
    id: 'event-no-idle-promise',
    why: `Every firing of a werift event started an async function for its promise subscribers (a promise,
a closure, a catch handler: about 1.5 µs) even when it had none, as almost every event has; werift
fires about fifty events per peer connection while it joins. The async loop now runs only when there
is a promise subscriber; what it does when there is one is unchanged.`,
    edits: [
      {
        file: esm,
        find: `    for (const item of this.event.stack) {
      item.execute(...args);
    }
    (async () => {
`,
        replace: `    for (const item of this.event.stack) {
      item.execute(...args);
    }
    if (this.event.promiseStack.length === 0) return; // rtcstorm-patch(event-no-idle-promise)
    (async () => {
`,
      },
      {
        file: 'lib/common/src/event.js',
        find: `                for (const item of this.event.stack) {
                    item.execute(...args);
                }
                (async () => {
`,
        replace: `                for (const item of this.event.stack) {
                    item.execute(...args);
                }
                if (this.event.promiseStack.length === 0)
                    return; // rtcstorm-patch(event-no-idle-promise)
                (async () => {
`,
      },
    ],
  },
  {
    id: 'srtp-session-lazy',
    why: `Once DTLS is done werift derives an SRTP session (RTP) and an SRTCP session, each with a local and
a remote context of six session keys (AES and HMAC objects): about 80 µs and 20 KB per session. On
rtcstorm's fast media path werift only ever protects RTCP, so its RTP session is now made when it is
first used (werift's own media path, or an RTP packet that arrives before the fast path takes over).`,
    edits: [
      {
        file: esm,
        find: `    this.srtp = new SrtpSession(config);
    this.srtcp = new SrtcpSession(config);
`,
        replace: `    // rtcstorm-patch(srtp-session-lazy): made on first use (scripts/patch-werift.mjs)
    let srtp;
    Object.defineProperty(this, "srtp", { configurable: true, enumerable: true, get: () => srtp ??= new SrtpSession(config), set: (value) => { srtp = value; } });
    this.srtcp = new SrtcpSession(config);
`,
      },
      {
        file: 'lib/webrtc/src/transport/dtls.js',
        find: `        this.srtp = new rtp_1.SrtpSession(config);
        this.srtcp = new rtp_1.SrtcpSession(config);
`,
        replace: `        // rtcstorm-patch(srtp-session-lazy): made on first use (scripts/patch-werift.mjs)
        let srtp;
        Object.defineProperty(this, "srtp", { configurable: true, enumerable: true, get: () => srtp ??= new rtp_1.SrtpSession(config), set: (value) => { srtp = value; } });
        this.srtcp = new rtp_1.SrtcpSession(config);
`,
      },
    ],
  },
  {
    id: 'flight4-again',
    why: `mediasoup retransmits its DTLS flight 4 when werift's flight 5 has not reached it after 100 ms, and
in a join storm the bot's event loop is often later than that: the retransmission (five datagrams) is
already queued behind the first copy when werift reads it. werift then parsed the whole flight again
and answered with flight 5 again, which had only just left. Now a flight 4 that arrives once flight 5
is sent is not parsed again, and flight 5 is sent again only if it left at least 50 ms earlier: later
than that, it may have been lost; sooner, the two crossed. (A retransmission after the handshake is
done is ignored too; werift used to build a new flight 5 for it, with new keys.)`,
    edits: [
      {
        file: esm,
        find: `            if (this.connected) return;
            this.flight5 = new Flight5(`,
        replace: `            if (this.connected) return;
            if (this.dtls.flight >= 5) break; // rtcstorm-patch(flight4-again): a retransmitted flight 4 is not parsed again
            this.flight5 = new Flight5(`,
      },
      {
        file: esm,
        find: `        case 13 /* certificate_request_13 */:
          {
            await this.waitForReady(() => !!this.flight5);
            this.flight5?.handleHandshake(handshake);
          }
          break;
        case 14 /* server_hello_done_14 */:
          {
            await this.waitForReady(() => !!this.flight5);
            this.flight5?.handleHandshake(handshake);
`,
        replace: `        case 13 /* certificate_request_13 */:
          {
            if (this.dtls.flight >= 5) break; // rtcstorm-patch(flight4-again)
            await this.waitForReady(() => !!this.flight5);
            this.flight5?.handleHandshake(handshake);
          }
          break;
        case 14 /* server_hello_done_14 */:
          {
            if (this.dtls.flight >= 5) { // rtcstorm-patch(flight4-again): answer only if flight 5 may have been lost
              if (this.dtls.flight === 5 && performance.now() - this.rtcstormFlight5At >= 50) this.flight5?.send(this.dtls.lastMessage).catch(() => undefined);
              break;
            }
            await this.waitForReady(() => !!this.flight5);
            this.flight5?.handleHandshake(handshake);
`,
      },
      {
        file: esm,
        find: `            await this.flight5?.exec();
`,
        replace: `            this.rtcstormFlight5At = performance.now(); // rtcstorm-patch(flight4-again)
            await this.flight5?.exec();
`,
      },
      {
        file: 'lib/dtls/src/client.js',
        find: `                                if (this.connected)
                                    return;
                                this.flight5 = new flight5_1.Flight5(`,
        replace: `                                if (this.connected)
                                    return;
                                if (this.dtls.flight >= 5)
                                    break; // rtcstorm-patch(flight4-again): a retransmitted flight 4 is not parsed again
                                this.flight5 = new flight5_1.Flight5(`,
      },
      {
        file: 'lib/dtls/src/client.js',
        find: `                        case const_1.HandshakeType.certificate_request_13:
                            {
                                await this.waitForReady(() => !!this.flight5);
                                this.flight5?.handleHandshake(handshake);
                            }
                            break;
                        case const_1.HandshakeType.server_hello_done_14:
                            {
                                await this.waitForReady(() => !!this.flight5);
                                this.flight5?.handleHandshake(handshake);
`,
        replace: `                        case const_1.HandshakeType.certificate_request_13:
                            {
                                if (this.dtls.flight >= 5)
                                    break; // rtcstorm-patch(flight4-again)
                                await this.waitForReady(() => !!this.flight5);
                                this.flight5?.handleHandshake(handshake);
                            }
                            break;
                        case const_1.HandshakeType.server_hello_done_14:
                            {
                                if (this.dtls.flight >= 5) { // rtcstorm-patch(flight4-again): answer only if flight 5 may have been lost
                                    if (this.dtls.flight === 5 && performance.now() - this.rtcstormFlight5At >= 50)
                                        this.flight5?.send(this.dtls.lastMessage).catch(() => undefined);
                                    break;
                                }
                                await this.waitForReady(() => !!this.flight5);
                                this.flight5?.handleHandshake(handshake);
`,
      },
      {
        file: 'lib/dtls/src/client.js',
        find: `                                await this.flight5?.exec();
`,
        replace: `                                this.rtcstormFlight5At = performance.now(); // rtcstorm-patch(flight4-again)
                                await this.flight5?.exec();
`,
      },
    ],
  },
  {
    id: 'lite-checks-again',
    why: `A connectivity check that got no answer (five tries over 1.55 s) failed its pair for good, and
werift then waited for a later success that, against an ICE-lite peer (mediasoup), nothing can bring:
a lite peer never checks back. So a join made while a partition cut the path hung until the bot's join
timeout (15 s), however soon the partition healed, and a partition's recovery time was mostly that.
Browsers keep checking a pair for much longer; now werift checks a failed pair to an ICE-lite peer
again every second until ICE completes or the connection is closed (a join timeout closes it).`,
    edits: [
      {
        file: esm,
        find: `      } else {
        log23("checkStart CandidatePairState.FAILED", pair.toJSON());
        pair.updateState(4 /* FAILED */);
        this.checkComplete(pair);
        r();
        return;
      }
`,
        replace: `      } else {
        log23("checkStart CandidatePairState.FAILED", pair.toJSON());
        pair.updateState(4 /* FAILED */);
        this.checkComplete(pair);
        // rtcstorm-patch(lite-checks-again): an ICE-lite peer never checks back, so the pair is checked again
        if (this.iceControlling && this.remoteIsLite) setTimeout(() => this.state !== "closed" && !this.checkListDone && pair.state === 4 /* FAILED */ && (pair.handle = this.checkStart(pair)), 1e3);
        r();
        return;
      }
`,
      },
      {
        file: 'lib/ice/src/ice.js',
        find: `                        log("checkStart CandidatePairState.FAILED", pair.toJSON());
                        pair.updateState(iceBase_1.CandidatePairState.FAILED);
                        this.checkComplete(pair);
                        r();
                        return;
`,
        replace: `                        log("checkStart CandidatePairState.FAILED", pair.toJSON());
                        pair.updateState(iceBase_1.CandidatePairState.FAILED);
                        this.checkComplete(pair);
                        // rtcstorm-patch(lite-checks-again): an ICE-lite peer never checks back, so the pair is checked again
                        if (this.iceControlling && this.remoteIsLite)
                            setTimeout(() => this.state !== "closed" && !this.checkListDone && pair.state === iceBase_1.CandidatePairState.FAILED && (pair.handle = this.checkStart(pair)), 1e3);
                        r();
                        return;
`,
      },
    ],
  },
];

function count(text, part) {
  let n = 0;
  for (let at = text.indexOf(part); at !== -1; at = text.indexOf(part, at + part.length)) n++;
  return n;
}

function fail(message) {
  console.error(`[patch-werift] ${message}`);
  process.exit(1);
}

/** werift's directory as this project resolves it (node_modules may be a symlink). */
function weriftDir() {
  let main;
  try {
    main = createRequire(import.meta.url).resolve('werift');
  } catch {
    fail('werift is not installed (run after npm ci)');
  }
  for (let dir = dirname(main); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === 'werift') return { dir, version: pkg.version };
    } catch {
      // not the package root yet
    }
  }
  fail(`no werift package.json above ${main}`);
}

const checkOnly = process.argv.includes('--check');
const { dir, version } = weriftDir();
if (version !== expectedVersion) {
  fail(`werift ${version} at ${dir}: this patch is written for werift ${expectedVersion}. Re-check every change ` +
    `in scripts/patch-werift.mjs against the new version (some may be fixed upstream), then update expectedVersion.`);
}

const files = new Map();
const text = (file) => {
  if (!files.has(file)) files.set(file, { before: readFileSync(join(dir, file), 'utf8'), after: undefined });
  const entry = files.get(file);
  return entry.after ?? entry.before;
};

/** Patch id -> files where it is still to be applied. */
const pending = new Map();
const problems = [];
for (const patch of patches) {
  for (const { file, find, replace } of patch.edits) {
    const marker = `rtcstorm-patch(${patch.id})`;
    if (!replace.includes(marker) || find.includes(marker)) throw new Error(`patch ${patch.id}: an edit of ${file} must add its marker`);
    const current = text(file);
    const anchors = count(current, find);
    const applied = count(current, replace);
    const anchor = find.trim().split('\n')[0];
    if (anchors === 1 && applied === 0) {
      pending.set(patch.id, [...new Set([...(pending.get(patch.id) ?? []), file])]);
      files.get(file).after = current.replace(find, () => replace);
    } else if (applied === 1 && anchors === count(replace, find)) {
      // already patched (an insertion keeps its anchor inside the patched text)
    } else {
      problems.push(`${patch.id}: ${join(dir, file)}: anchor "${anchor}" found ${anchors}×, patched text found ${applied}× (expected exactly one of them once)`);
    }
  }
}
if (problems.length > 0) {
  fail(`werift ${version} does not take the patch; nothing was written (werift changed, or it carries an older ` +
    `version of this patch: reinstall it with npm ci):\n  ${problems.join('\n  ')}`);
}

const where = relative(process.cwd(), dir) || dir;
if (checkOnly) {
  const missing = [...pending].map(([id, paths]) => `${id} (${paths.join(', ')})`).join('; ');
  if (pending.size > 0) fail(`werift at ${where} is not patched: ${missing}. Run: node scripts/patch-werift.mjs (npm ci runs it as postinstall)`);
  console.log(`[patch-werift] werift ${version} at ${where} is patched (${patches.map((p) => p.id).join(', ')})`);
} else {
  for (const [file, { after }] of files) if (after !== undefined) writeFileSync(join(dir, file), after);
  console.log(pending.size > 0
    ? `[patch-werift] patched werift ${version} at ${where}: ${[...pending.keys()].join(', ')}`
    : `[patch-werift] werift ${version} at ${where} already patched`);
}
