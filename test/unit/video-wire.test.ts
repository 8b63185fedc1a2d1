/**
 * A video bot's wire formats, each checked against another implementation: its simulcast offer as
 * the rtcstorm adapter reads it (from a real werift offer), its RTP header extension through SRTP, its
 * sender reports as werift parses them, and keyframe requests that come too soon being kept, not lost.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTCPeerConnection, RtcpPacketConverter, RtcpRrPacket, RtcpSrPacket } from 'werift';
import { peerConfig } from '../../bots/werift/peer-config.js';
import { simulcastOffer } from '../../bots/werift/simulcast-offer.js';
import { readSendSections } from '../../targets/rtcstorm/mediasoup-sdp.js';
import { deriveSessionKeys } from '../../bots/srtp/session-keys.js';
import { SrtpRtpReceiver, SrtpRtpSender, srtpTagBytes, wideSeqHeaderBytes, writeRtpHeaderWithWideSeq } from '../../bots/srtp/srtp-rtp.js';
import { readRtcp, receiverReport, senderReport } from '../../bots/video/rtcp.js';
import { VideoReceiver } from '../../bots/video/video-receiver.js';
import { vp8Payloads } from '../../bots/video/vp8-packetizer.js';
import { VideoSender } from '../../bots/video/video-sender.js';
import { simulcastLadder } from '../../bots/video/simulcast.js';
import { videoClip } from '../../bots/video/clips.js';

describe('video on the wire', () => {
  it('offers SSRC simulcast with RTX and transport-wide sequence numbers, as the adapter reads it for produce()', async () => {
    const pc = new RTCPeerConnection(peerConfig(true, true));
    try {
      pc.addTransceiver('audio', { direction: 'sendonly' });
      pc.addTransceiver('video', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      const layers = { ssrcs: [11, 22, 33], rtxSsrcs: [111, 222, 333] };
      const { sdp, video } = simulcastOffer(pc.localDescription!.sdp, layers);
      const { sections } = readSendSections(sdp);
      const audio = sections.find((s) => s.kind === 'audio');
      const sent = sections.find((s) => s.kind === 'video');
      assert.ok(audio && !audio.encodings && audio.rtxPayloadType === undefined);
      assert.ok(sent);
      assert.deepEqual(sent.encodings, [{ ssrc: 11, rtxSsrc: 111 }, { ssrc: 22, rtxSsrc: 222 }, { ssrc: 33, rtxSsrc: 333 }]);
      assert.equal(sent.payloadType, video.payloadType);
      assert.equal(sent.rtxPayloadType, video.rtxPayloadType);
      assert.equal(sent.wideSeqId, video.wideSeqId);
      assert.notEqual(video.rtxPayloadType, video.payloadType);
      // werift's own video SSRC is gone; the m-line lists RTX's payload type; extension ids stay unique in the bundle.
      const videoPart = sdp.slice(sdp.indexOf('m=video'));
      assert.deepEqual([...videoPart.matchAll(/^a=ssrc:(\d+) cname/gm)].map((m) => Number(m[1])), [11, 111, 22, 222, 33, 333]);
      assert.match(videoPart.split('\r\n')[0]!, new RegExp(` ${video.payloadType} .*${video.rtxPayloadType}$|${video.rtxPayloadType}$`));
      const ids = [...sdp.matchAll(/^a=extmap:(\d+)/gm)].map((m) => m[1]);
      assert.equal(new Set(ids).size, ids.length);
    } finally {
      await pc.close();
    }
  });

  it('carries the transport-wide sequence number in a one-byte extension through SRTP, with marker and payload type', () => {
    const keys = deriveSessionKeys(Buffer.alloc(16, 7), Buffer.alloc(14, 9), 'rtp');
    const sender = new SrtpRtpSender(keys);
    const payload = Buffer.from('a VP8 payload');
    const buf = Buffer.alloc(wideSeqHeaderBytes + payload.length + srtpTagBytes);
    writeRtpHeaderWithWideSeq(buf, { payloadType: 96, seq: 500, timestamp: 9000, ssrc: 42, marker: true }, 3, 65535);
    payload.copy(buf, wideSeqHeaderBytes);
    sender.protect(buf, wideSeqHeaderBytes, buf.length - srtpTagBytes);
    const reading = new SrtpRtpReceiver(keys);
    reading.wideSeqId = 3;
    assert.ok(reading.unprotect(Buffer.from(buf)));
    assert.deepEqual({ ...reading.packet }, { ssrc: 42, seq: 500, timestamp: 9000, payloadType: 96, marker: true, wideSeq: 65535, payloadStart: wideSeqHeaderBytes, payloadEnd: wideSeqHeaderBytes + payload.length });
    // Another id negotiated, or none: the packet still reads, without a transport-wide number.
    const other = new SrtpRtpReceiver(keys);
    other.wideSeqId = 5;
    assert.ok(other.unprotect(Buffer.from(buf)));
    assert.equal(other.packet.wideSeq, -1);
  });

  it('writes sender reports werift reads: the NTP time of the instant and its RTP time', () => {
    const nowMs = 1_764_900_000_250;
    const [sr] = RtcpPacketConverter.deSerialize(senderReport(77, nowMs, 123_456, 10, 12_000));
    assert.ok(sr instanceof RtcpSrPacket);
    assert.equal(sr.ssrc, 77);
    assert.equal(sr.senderInfo.rtpTimestamp, 123_456);
    assert.equal(sr.senderInfo.packetCount, 10);
    assert.equal(sr.senderInfo.octetCount, 12_000);
    const ntpSeconds = Number(sr.senderInfo.ntpTimestamp >> 32n);
    const fraction = Number(sr.senderInfo.ntpTimestamp & 0xffffffffn) / 2 ** 32;
    assert.equal(ntpSeconds - 2_208_988_800, Math.floor(nowMs / 1000));
    assert.ok(Math.abs(fraction - 0.25) < 1e-6);
  });

  it('reports reception as RFC 3550 says, across a sequence number wrap, in receiver reports werift reads, echoing the sender report', () => {
    const receiver = new VideoReceiver({ latency: () => undefined });
    const payload = vp8Payloads(Buffer.from([0x01, 0x02, 0x03]), 100, 1200, { pictureId: 1, tl0PicIdx: 1 })[0]!;
    // 65530 … 9 with 65534 and 3 lost, then the next report after 5 more arrive.
    const seqs = [65530, 65531, 65532, 65533, 65535, 0, 1, 2, 4, 5, 6, 7, 8, 9];
    seqs.forEach((seq, k) => receiver.packet(42, seq, 1000 + 6000 * k, false, payload, 66.67 * k));
    const [first] = receiver.report();
    assert.deepEqual({ ...first, jitter: 0 }, { ssrc: 42, fractionLost: 2 / 16, cumulativeLost: 2, extendedHighestSeq: 0x20009, jitter: 0 });
    assert.ok(first!.jitter >= 0 && first!.jitter < 90, `jitter ${first!.jitter} in 90 kHz units for arrivals 0.03 ms off their timestamps`);
    [10, 11, 12, 13, 14].forEach((seq, k) => receiver.packet(42, seq, 90_000 + 6000 * k, false, payload, 1000 + 66.67 * k));
    assert.deepEqual(receiver.report().map((r) => [r.fractionLost, r.cumulativeLost, r.extendedHighestSeq]), [[0, 2, 0x2000e]]);

    const sr = readRtcp(senderReport(42, 1_764_900_000_500, 1, 1, 1));
    assert.ok(sr?.type === 'sr' && sr.ssrc === 42);
    const packet = receiverReport(7, [{ ...first!, lastSr: sr.ntpMiddle, delaySinceLastSr: 32768 }]);
    const [rr] = RtcpPacketConverter.deSerialize(packet);
    assert.ok(rr instanceof RtcpRrPacket);
    assert.equal(rr.ssrc, 7);
    const [block] = rr.reports;
    assert.deepEqual({ ssrc: block!.ssrc, fractionLost: block!.fractionLost, packetsLost: block!.packetsLost, highestSequence: block!.highestSequence, lsr: block!.lsr, dlsr: block!.dlsr }, { ssrc: 42, fractionLost: 32, packetsLost: 2, highestSequence: 0x20009, lsr: sr.ntpMiddle, dlsr: 32768 });
  });

  it('keeps a keyframe request that comes under 300 ms after a keyframe, and answers it once 300 ms have passed', () => {
    const layers = simulcastLadder(320, 180, 300, 2);
    const sender = new VideoSender({ senderId: 1, layers, fps: 15, keyframeIntervalMs: null, ssrcs: [1, 2], rtxSsrcs: [3, 4], maxPayloadBytes: 1200, random: () => 0.5, clip: videoClip, clockMs: () => 0 });
    const keyframes = (): number => sender.stats.keyframesSent;
    sender.frame(0);
    assert.equal(keyframes(), 2, 'each layer starts with a keyframe');
    assert.equal(sender.requestKeyframe(2, 100), false);
    sender.frame(133);
    sender.frame(266);
    assert.equal(keyframes(), 2, 'not before 300 ms');
    sender.frame(400);
    assert.equal(keyframes(), 3, 'the request was kept');
    assert.equal(sender.requestKeyframe(2, 1000), true);
    sender.frame(1066);
    assert.equal(keyframes(), 4);
    // Sender reports: one per sending layer, on the frames' RTP clock.
    const reports = sender.senderReports(1066 + 50);
    assert.deepEqual(reports.map((r) => r.ssrc), [1, 2]);
    assert.ok(reports.every((r) => r.packets > 0 && r.octets > 0));
  });
});
