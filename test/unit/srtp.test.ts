import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ProtectionProfileAes128CmHmacSha1_80, RtpHeader, SrtpSession } from 'werift';
import { HmacSha1Tag, tagBytes } from '../../bots/srtp/hmac-sha1-80.js';
import { deriveSessionKeys } from '../../bots/srtp/session-keys.js';
import { rtpHeaderBytes, srtpTagBytes, SrtpRtpReceiver, SrtpRtpSender, writeRtpHeader } from '../../bots/srtp/srtp-rtp.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

/** Two ends of one DTLS-SRTP association: werift's session on one side, ours on the other. */
const masterA = { key: randomBytes(16), salt: randomBytes(14) };
const masterB = { key: randomBytes(16), salt: randomBytes(14) };
const werift = new SrtpSession({
  keys: { localMasterKey: masterA.key, localMasterSalt: masterA.salt, remoteMasterKey: masterB.key, remoteMasterSalt: masterB.salt },
  profile: ProtectionProfileAes128CmHmacSha1_80,
});

function ourPacket(sender: SrtpRtpSender, seq: number, timestamp: number, ssrc: number, payload: Buffer): Buffer {
  const buf = Buffer.alloc(rtpHeaderBytes + payload.length + srtpTagBytes);
  writeRtpHeader(buf, { payloadType: 111, seq, timestamp, ssrc, marker: false });
  payload.copy(buf, rtpHeaderBytes);
  sender.protect(buf, rtpHeaderBytes, rtpHeaderBytes + payload.length);
  return buf;
}

/** Sequence numbers across a 16-bit wrap, so the rollover counter is exercised on both sides. */
const seqs = [65530, 65531, 65532, 65533, 65534, 65535, 0, 1, 2, 3, 4];
const payloads = seqs.map((_, i) => randomBytes([0, 1, 15, 16, 17, 80, 160, 1000][i % 8]!));

describe('SRTP (AES_CM_128_HMAC_SHA1_80) on Node crypto', () => {
  it('derives session keys as RFC 3711 appendix B.3 says', () => {
    const keys = deriveSessionKeys(hex('E1F97A0D3E018BE0D64FA32C06DE4139'), hex('0EC675AD498AFEEBB6960B3AABE6'), 'rtp');
    assert.equal(keys.cipherKey.toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
    assert.equal(keys.salt.toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
    assert.equal(keys.authKey.toString('hex').toUpperCase(), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  });

  it('tags as Node\'s HMAC-SHA1 does, at every SHA-1 padding boundary and on both sides of the switch to Node\'s own for large packets', () => {
    const key = randomBytes(20);
    const tag = new HmacSha1Tag(key);
    for (const length of [0, 1, 51, 52, 53, 59, 60, 64, 115, 116, 117, 124, 700, 799, 800, 1000, 1755]) {
      const message = randomBytes(length + 3 + tagBytes);
      const roc = 0x89abcdef;
      tag.sign(message, 3, 3 + length, roc);
      const rocBytes = Buffer.alloc(4);
      rocBytes.writeUInt32BE(roc);
      const expected = createHmac('sha1', key).update(message.subarray(3, 3 + length)).update(rocBytes).digest().subarray(0, tagBytes);
      assert.deepEqual(message.subarray(3 + length), expected, `message of ${length} bytes`);
      assert.equal(tag.verify(message, 3, 3 + length, roc), true);
      assert.equal(tag.verify(message, 3, 3 + length, roc + 1), false);
    }
  });

  it('protects byte for byte as werift does, across a sequence number wrap', () => {
    // Keyed as werift's local (sending) side.
    const sender = new SrtpRtpSender(deriveSessionKeys(masterA.key, masterA.salt, 'rtp'));
    seqs.forEach((seq, i) => {
      const timestamp = 4_294_967_000 + i * 960;
      const expected = werift.encrypt(payloads[i]!, new RtpHeader({ payloadType: 111, sequenceNumber: seq, timestamp: timestamp >>> 0, ssrc: 0xdeadbeef, marker: false }));
      assert.deepEqual(ourPacket(sender, seq, timestamp, 0xdeadbeef, payloads[i]!), expected, `seq ${seq}`);
    });
  });

  it('unprotects packets recorded from werift, in order and reordered, with CSRCs, extensions and padding', () => {
    const peer = new SrtpSession({
      keys: { localMasterKey: masterB.key, localMasterSalt: masterB.salt, remoteMasterKey: masterA.key, remoteMasterSalt: masterA.salt },
      profile: ProtectionProfileAes128CmHmacSha1_80,
    });
    const receiver = new SrtpRtpReceiver(deriveSessionKeys(masterB.key, masterB.salt, 'rtp'));
    const recorded = seqs.map((seq, i) =>
      peer.encrypt(payloads[i]!, new RtpHeader({ payloadType: 100, sequenceNumber: seq, timestamp: 1000 + i * 960, ssrc: 42, marker: false })),
    );
    // One late packet from before the wrap after the wrap happened.
    const order = [0, 1, 2, 3, 4, 6, 5, 7, 8, 9, 10];
    for (const i of order) {
      assert.equal(receiver.unprotect(recorded[i]!), true, `seq ${seqs[i]}`);
      const { packet } = receiver;
      assert.deepEqual(recorded[i]!.subarray(packet.payloadStart, packet.payloadEnd), payloads[i], `payload of seq ${seqs[i]}`);
      assert.equal(packet.timestamp, 1000 + i * 960);
      assert.equal(packet.seq, seqs[i]);
    }

    const data = randomBytes(40);
    const padded = Buffer.concat([data, Buffer.from([0, 0, 3])]);
    const fancy = peer.encrypt(
      padded,
      new RtpHeader({ payloadType: 100, sequenceNumber: 5, timestamp: 7, ssrc: 42, padding: true, csrc: [1, 2], csrcLength: 2, extension: true, extensions: [{ id: 1, payload: Buffer.from([9, 9, 9]) }] }),
    );
    assert.equal(receiver.unprotect(fancy), true);
    const { packet } = receiver;
    assert.equal(packet.payloadStart, rtpHeaderBytes + 8 + 4 + 4);
    assert.deepEqual(fancy.subarray(packet.payloadStart, packet.payloadEnd), data);
    assert.equal(receiver.rejected, 0);
  });

  it('our packets are what werift unprotects, and keep separate rollover counters per SSRC', () => {
    const sender = new SrtpRtpSender(deriveSessionKeys(masterB.key, masterB.salt, 'rtp'));
    seqs.forEach((seq, i) => {
      const decrypted = werift.decrypt(ourPacket(sender, seq, i, 7, payloads[i]!));
      assert.deepEqual(decrypted.subarray(rtpHeaderBytes), payloads[i]);
    });
    const receiver = new SrtpRtpReceiver(deriveSessionKeys(masterB.key, masterB.salt, 'rtp'));
    const wrapped = new SrtpRtpSender(deriveSessionKeys(masterB.key, masterB.salt, 'rtp'));
    const fresh = new SrtpRtpSender(deriveSessionKeys(masterB.key, masterB.salt, 'rtp'));
    for (const seq of seqs) assert.equal(receiver.unprotect(ourPacket(wrapped, seq, 0, 1, Buffer.alloc(20))), true);
    // Another SSRC starting near the top of the range is still in its first rollover period.
    assert.equal(receiver.unprotect(ourPacket(fresh, 65000, 0, 2, Buffer.alloc(20))), true);
  });

  it('video-sized packets match werift both ways, across a wrap, with gaps, reordering and two SSRCs interleaved', () => {
    const peer = new SrtpSession({
      keys: { localMasterKey: masterB.key, localMasterSalt: masterB.salt, remoteMasterKey: masterA.key, remoteMasterSalt: masterA.salt },
      profile: ProtectionProfileAes128CmHmacSha1_80,
    });
    const sender = new SrtpRtpSender(deriveSessionKeys(masterA.key, masterA.salt, 'rtp'));
    const senderB = new SrtpRtpSender(deriveSessionKeys(masterA.key, masterA.salt, 'rtp'));
    const receiver = new SrtpRtpReceiver(deriveSessionKeys(masterB.key, masterB.salt, 'rtp'));
    // 65500 … 65535, 0 … 40 with gaps (a lost packet, a batch's worth skipped), one late: sizes from 600 to 1,232 bytes.
    const stream = [...Array(77).keys()].map((k) => (65500 + k) & 0xffff).filter((seq) => seq !== 65520 && !(seq >= 3 && seq < 21));
    const late = stream.splice(10, 1)[0]!;
    stream.splice(14, 0, late);
    stream.forEach((seq, i) => {
      const payload = randomBytes(600 + ((i * 97) % 633));
      // Ours protects byte for byte as werift does (packets of SSRC 7 between those of SSRC 9).
      const ours = ourPacket(seq === late ? new SrtpRtpSender(deriveSessionKeys(masterA.key, masterA.salt, 'rtp')) : sender, seq, i, 9, payload);
      ourPacket(senderB, (seq + 1000) & 0xffff, i, 7, randomBytes(700));
      if (seq !== late) assert.deepEqual(ours, werift.encrypt(payload, new RtpHeader({ payloadType: 111, sequenceNumber: seq, timestamp: i, ssrc: 9, marker: false })), `protect seq ${seq}`);
      // And unprotects what werift protected.
      const theirs = peer.encrypt(payload, new RtpHeader({ payloadType: 100, sequenceNumber: seq, timestamp: i, ssrc: 42, marker: false }));
      assert.equal(receiver.unprotect(theirs), true, `unprotect seq ${seq}`);
      assert.deepEqual(theirs.subarray(receiver.packet.payloadStart, receiver.packet.payloadEnd), payload, `payload of seq ${seq}`);
    });
  });

  it('drops tampered, truncated and foreign-key packets without touching the stream state', () => {
    const sender = new SrtpRtpSender(deriveSessionKeys(masterB.key, masterB.salt, 'rtp'));
    const receiver = new SrtpRtpReceiver(deriveSessionKeys(masterB.key, masterB.salt, 'rtp'));
    const good = ourPacket(sender, 100, 0, 9, Buffer.alloc(50, 1));
    const tampered = Buffer.from(good);
    tampered[20]! ^= 1;
    assert.equal(receiver.unprotect(tampered), false);
    assert.equal(receiver.unprotect(good.subarray(0, 15)), false);
    const stranger = new SrtpRtpSender(deriveSessionKeys(randomBytes(16), randomBytes(14), 'rtp'));
    assert.equal(receiver.unprotect(ourPacket(stranger, 101, 0, 9, Buffer.alloc(50))), false);
    assert.equal(receiver.rejected, 3);
    assert.equal(receiver.unprotect(good), true);
    assert.deepEqual(good.subarray(rtpHeaderBytes, good.length - srtpTagBytes), Buffer.alloc(50, 1));
  });
});
