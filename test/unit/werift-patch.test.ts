/**
 * werift is patched at install (patches/werift+0.24.4.patch, applied by patch-package as package.json's "postinstall") so that joins
 * are cheap. These tests fail when the installed werift is not patched, and check the changed code
 * against Node's crypto in the ESM bundle (what rtcstorm imports; the patch leaves the CommonJS copy,
 * which nothing loads, alone), through werift's own DTLS client and server.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CipherContext, DtlsClient, DtlsServer, Event, NamedCurveAlgorithm, NamedCurveAlgorithmList, ProtectionProfileAeadAes128Gcm as AEAD_AES_128_GCM,
  ProtectionProfileAes128CmHmacSha1_80 as AES_CM_128_HMAC_SHA1_80, RTCDtlsTransport, RTCPeerConnection, RtpHeader, SrtpSession,
} from 'werift';
import { packageRoot } from '../../core/paths.js';
import { peerConfig } from '../../bots/werift/peer-config.js';

const require = createRequire(import.meta.url);
/** werift's lib/ directory (its main entry is lib/webrtc/src/index.js). */
const weriftLib = join(dirname(require.resolve('werift')), '..', '..');
const patchFile = 'patches/werift+0.24.4.patch';
const patchIds = ['dtls-start-now', 'ice-no-idle-pacing', 'retransmit-reads-first', 'srtp-aes-cm-only', 'ecdhe-node-crypto', 'sign-parsed-key', 'fingerprint-once', 'lazy-log-summary', 'flight5-one-datagram', 'nominate-lite-at-once', 'event-no-idle-promise', 'srtp-session-lazy', 'flight4-again', 'lite-checks-again', 'no-default-stun'];

const X25519 = NamedCurveAlgorithm.x25519_29;
const P256 = NamedCurveAlgorithm.secp256r1_23;

// Raw X25519 keys in the DER wrappers Node imports (RFC 8410).
const x25519Private = (raw: Buffer) => crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), raw]), format: 'der', type: 'pkcs8' });
const rawX25519Public = (key: crypto.KeyObject) => key.export({ type: 'spki', format: 'der' }).subarray(-32);

describe('werift patch (patches/werift+0.24.4.patch)', () => {
  it('is applied to the installed werift: every change of the diff, in the ESM bundle', () => {
    // The diff, reversed, applies to what is installed: every hunk of it is there, as written.
    try {
      execFileSync('git', ['apply', '--check', '--reverse', patchFile], { cwd: packageRoot, encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      assert.fail(`werift is not patched as ${patchFile} says (npm ci applies it with patch-package as postinstall):\n${(error as { stderr?: string }).stderr ?? ''}`);
    }
    assert.equal((JSON.parse(readFileSync(join(weriftLib, '..', 'package.json'), 'utf8')) as { version: string }).version, '0.24.4', 'the werift version the patch is for');
    const esm = readFileSync(join(weriftLib, 'index.mjs'), 'utf8');
    for (const id of patchIds) assert.ok(esm.includes(`rtcstorm-patch(${id})`), `lib/index.mjs carries ${id}`);
    // What the patch removes from the join path.
    assert.ok(!esm.includes('await setTimeout7(100);'), 'no fixed 100 ms wait before the ClientHello');
    assert.ok(!esm.includes('nacl.scalarMult(') && !esm.includes('nacl2.box.keyPair('), 'no tweetnacl in the key exchange');
    assert.ok(!esm.includes('p256.getSharedSecret('), 'no @noble/curves in the key exchange');
    assert.ok(!esm.includes('this.localPrivateKey.toPEM()'), 'no PEM parse per signature');
    assert.ok(!esm.includes('const nominate = this.iceControlling && !this.remoteIsLite;'), 'no second check to nominate a pair of an ICE-lite peer');
  });

  it('an event with no promise subscriber still runs its subscribers; one with them still runs those in order', async () => {
    const event = new Event<[number]>();
    const seen: string[] = [];
    event.subscribe((n) => seen.push(`plain ${n}`));
    event.execute(1);
    assert.deepEqual(seen, ['plain 1']);
    let release = (): void => undefined;
    event.queuingSubscribe(async (n) => {
      await new Promise<void>((resolve) => (release = resolve));
      seen.push(`queued first ${n}`);
    });
    event.queuingSubscribe(async (n) => void seen.push(`queued second ${n}`));
    event.execute(2);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, ['plain 1', 'plain 2'], 'the second promise subscriber waits for the first');
    release();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(seen, ['plain 1', 'plain 2', 'queued first 2', 'queued second 2']);
  });

  describe('signatures with the parsed key (ESM bundle)', () => {
    it('CertificateVerify and ServerKeyExchange signatures verify with the certificate\'s public key', async () => {
      const certificate = await RTCDtlsTransport.SetupCertificate();
      const other = await CipherContext.createSelfSignedCertificateWithKey(certificate.signatureHash, P256);
      const check = (certPem: string, keyPem: string) => {
        const publicKey = new crypto.X509Certificate(certPem).publicKey;
        const client = new CipherContext(1 /* client */, certPem, keyPem, certificate.signatureHash);
        const handshakes = crypto.randomBytes(700);
        assert.ok(crypto.verify('sha256', handshakes, publicKey, client.signatureData(handshakes, 'sha256')), 'CertificateVerify');

        const server = new CipherContext(2 /* server */, certPem, keyPem, certificate.signatureHash);
        const clientRandom = crypto.randomBytes(32);
        const serverRandom = crypto.randomBytes(32);
        const ecdhePublic = crypto.randomBytes(32);
        Object.assign(server, {
          localRandom: { serialize: () => serverRandom },
          remoteRandom: { serialize: () => clientRandom },
          localKeyPair: { curve: X25519, privateKey: Buffer.alloc(32), publicKey: ecdhePublic },
          namedCurve: X25519,
        });
        // RFC 4492 §5.4: client random, server random, then the ECParameters and the point.
        const signed = Buffer.concat([clientRandom, serverRandom, Buffer.from([3, 0, X25519, 32]), ecdhePublic]);
        assert.ok(crypto.verify('sha256', signed, publicKey, server.generateKeySignature('sha256')), 'ServerKeyExchange');
      };
      check(certificate.certPem, certificate.privateKey);
      // A second certificate is not signed for with the first one's cached key, and back again.
      check(other.certPem, other.keyPem);
      check(certificate.certPem, certificate.privateKey);
    });

    it('the local fingerprint is the certificate\'s SHA-256', async () => {
      const certificate = await RTCDtlsTransport.SetupCertificate();
      const expected = new crypto.X509Certificate(certificate.certPem).fingerprint256;
      assert.deepEqual(certificate.getFingerprints().map((f) => [f.algorithm, f.value.toUpperCase()]), [['sha-256', expected]]);
      assert.deepEqual(certificate.getFingerprints().map((f) => f.value.toUpperCase()), [expected]);
    });
  });

  describe('DTLS handshakes between werift\'s own client and server (ESM bundle)', () => {
    const curves = [...NamedCurveAlgorithmList];
    after(() => NamedCurveAlgorithmList.splice(0, NamedCurveAlgorithmList.length, ...curves));

    /** The SRTP profiles a peer connection's DTLS transport offers (as client) and accepts (as server). */
    const peerConnectionProfiles = async (): Promise<number[]> => {
      const pc = new RTCPeerConnection(peerConfig(true));
      pc.addTransceiver('audio', { direction: 'sendonly' });
      const [transport] = pc.dtlsTransports;
      assert.ok(transport);
      const profiles = (transport as unknown as { srtpProfiles: number[] }).srtpProfiles;
      await pc.close();
      return profiles;
    };

    /** An RTCDtlsTransport's SRTP sessions over a connected DTLS end, made by werift's own updateSrtpSession(). */
    type SrtpSessions = { srtp: SrtpSession; srtcp: unknown };
    const srtpSessionsOf = (dtls: DtlsClient | DtlsServer): SrtpSessions => {
      const transport = { dtls } as unknown as SrtpSessions;
      (RTCDtlsTransport.prototype as unknown as { updateSrtpSession(this: unknown): void }).updateSrtpSession.call(transport);
      return transport;
    };

    /**
     * The server's flight 4 (its datagrams from the ServerHello's to the ServerHelloDone's) delivered
     * again, `afterMs` after the first copy, as mediasoup retransmits it; the server's next flight
     * waits until then, as it would if flight 5 had not reached it.
     */
    interface Flight4Again { afterMs: number }

    async function handshake(curve: number, clientProfiles: number[], serverProfiles: number[], flight4Again?: Flight4Again) {
      // Both ends offer and accept what werift's (shared) list holds: one curve forces it.
      NamedCurveAlgorithmList.splice(0, NamedCurveAlgorithmList.length, curve as (typeof curves)[number]);
      const certificate = await RTCDtlsTransport.SetupCertificate();
      const ends = [0, 1].map(() => ({ type: 'test', address: {}, closed: false, onData: (_data: Buffer, _from: unknown) => undefined, send: async (_data: Buffer): Promise<void> => undefined, close: async () => undefined }));
      const [clientEnd, serverEnd] = ends as [(typeof ends)[0], (typeof ends)[0]];
      let clientDatagrams = 0;
      clientEnd.send = async (data) => void (clientDatagrams++, setImmediate(() => serverEnd.onData(data, undefined)));
      const toClient = (data: Buffer, delayMs = 0): void => void (delayMs > 0 ? setTimeout : setImmediate)(() => clientEnd.onData(data, undefined), delayMs);
      // DTLS 1.2 records: content type 22 is a handshake, whose message type is the record's 14th byte.
      const flight4: Buffer[] = [];
      let flight4Done = false;
      serverEnd.send = async (data) => {
        if (!flight4Again) return toClient(data);
        const inFlight4 = !flight4Done && (flight4.length > 0 || (data[0] === 22 && data[13] === 2));
        if (inFlight4) {
          flight4.push(data);
          flight4Done = data.includes(Buffer.from([14, 0, 0, 0]));
          toClient(data);
          if (flight4Done) for (const copy of flight4) toClient(copy, flight4Again.afterMs);
          return;
        }
        toClient(data, flight4Done ? flight4Again.afterMs + 10 : 0);
      };
      const credentials = { cert: certificate.certPem, key: certificate.privateKey, signatureHash: certificate.signatureHash, extendedMasterSecret: true };
      const server = new DtlsServer({ ...credentials, transport: serverEnd as never, srtpProfiles: serverProfiles as never, certificateRequest: true });
      const client = new DtlsClient({ ...credentials, transport: clientEnd as never, srtpProfiles: clientProfiles as never });
      const connected = Promise.all([server, client].map((end) => new Promise<void>((resolve, reject) => {
        end.onConnect.once(() => resolve());
        end.onError.once(reject);
      })));
      void client.connect().catch(() => undefined);
      await connected;
      const result = {
        clientProfile: client.srtp.srtpProfile,
        serverProfile: server.srtp.srtpProfile,
        serverCurve: server.cipher.namedCurve,
        clientKeyPair: client.cipher.localKeyPair,
        clientKeys: client.extractSessionKeys(16, 14),
        serverKeys: server.extractSessionKeys(16, 14),
        clientDatagrams,
        srtpSessions: { client: srtpSessionsOf(client), server: srtpSessionsOf(server) },
      };
      client.close();
      server.close();
      return result;
    }

    for (const [name, curve] of [['X25519', X25519], ['P-256', P256]] as const) {
      it(`${name}: both ends derive the same keys from a key pair Node agrees with`, async () => {
        const profiles = await peerConnectionProfiles();
        const result = await handshake(curve, profiles, profiles);
        assert.equal(result.serverCurve, curve);
        assert.equal(result.clientKeyPair.curve, curve);
        const { privateKey, publicKey } = result.clientKeyPair;
        const derivedPublic = curve === X25519
          ? rawX25519Public(crypto.createPublicKey(x25519Private(privateKey)))
          : (() => { const ecdh = crypto.createECDH('prime256v1'); ecdh.setPrivateKey(privateKey); return ecdh.getPublicKey(); })();
        assert.deepEqual(derivedPublic, publicKey);
        assert.deepEqual(result.clientKeys.localKey, result.serverKeys.remoteKey);
        assert.deepEqual(result.clientKeys.remoteSalt, result.serverKeys.localSalt);
        // ClientHello twice (werift's server asks for a cookie first), then flight 5's five records
        // (the server asks for a certificate) in one datagram: 7 datagrams without the patch.
        assert.equal(result.clientDatagrams, 3);
      });
    }

    it('werift\'s SRTP session for RTP is made on first use, and protects what the other end unprotects', async () => {
      const { client, server } = (await handshake(X25519, [AES_CM_128_HMAC_SHA1_80], [AES_CM_128_HMAC_SHA1_80])).srtpSessions;
      for (const end of [client, server]) {
        assert.ok(end.srtcp, 'the SRTCP session is made at once');
        assert.equal(typeof Object.getOwnPropertyDescriptor(end, 'srtp')?.get, 'function', 'the SRTP session is behind a getter');
      }
      const payload = Buffer.from('stamped opus payload');
      const header = new RtpHeader({ payloadType: 111, sequenceNumber: 7, timestamp: 960, ssrc: 0x1234 });
      const protectedPacket = client.srtp.encrypt(payload, header);
      assert.ok(client.srtp instanceof SrtpSession && client.srtp === client.srtp, 'one session, made once');
      assert.notDeepEqual(protectedPacket.subarray(12, 12 + payload.length), payload);
      assert.deepEqual(server.srtp.decrypt(protectedPacket).subarray(12), payload);
    });

    it('a retransmitted flight 4 that crossed flight 5 is not answered; one 50 ms or more after it is', async () => {
      const profiles = [AES_CM_128_HMAC_SHA1_80];
      const crossed = await handshake(X25519, profiles, profiles, { afterMs: 0 });
      assert.equal(crossed.clientDatagrams, 3, 'flight 5 once');
      const late = await handshake(X25519, profiles, profiles, { afterMs: 80 });
      assert.equal(late.clientDatagrams, 4, 'flight 5 again');
      for (const { clientKeys, serverKeys } of [crossed, late]) assert.deepEqual(clientKeys.localKey, serverKeys.remoteKey, 'both ends keep the keys of the first flight 5');
    });

    it('a peer connection offers and accepts only AES_CM_128_HMAC_SHA1_80', async () => {
      assert.deepEqual(await peerConnectionProfiles(), [AES_CM_128_HMAC_SHA1_80]);
    });

    it('AES_CM_128_HMAC_SHA1_80 is negotiated in both DTLS roles against a peer that prefers GCM', async () => {
      const profiles = await peerConnectionProfiles();
      const preferGcm = [AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80];
      // The harness can tell: two GCM-preferring ends (stock werift) negotiate GCM.
      const stock = await handshake(X25519, preferGcm, preferGcm);
      assert.deepEqual([stock.clientProfile, stock.serverProfile], [AEAD_AES_128_GCM, AEAD_AES_128_GCM]);
      const asClient = await handshake(X25519, profiles, preferGcm);
      assert.deepEqual([asClient.clientProfile, asClient.serverProfile], [AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_80]);
      const asServer = await handshake(X25519, preferGcm, profiles);
      assert.deepEqual([asServer.clientProfile, asServer.serverProfile], [AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_80]);
    });
  });
});
