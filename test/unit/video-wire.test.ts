/**
 * A video bot's wire formats, each checked against another implementation: its simulcast offer as
 * the rtcstorm adapter reads it (from a real werift offer), its RTP header extension through SRTP, its
 * sender reports as werift parses them, and keyframe requests that come too soon being kept, not lost.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RTCPeerConnection, RtcpPacketConverter, RtcpSrPacket } from 'werift';
import { peerConfig } from '../../bots/werift/peer-config.js';
import { simulcastOffer } from '../../bots/werift/simulcast-offer.js';
import { readSendSections } from '../../targets/rtcstorm/mediasoup-sdp.js';
import { deriveSessionKeys } from '../../bots/srtp/session-keys.js';
import { SrtpRtpReceiver, SrtpRtpSender, srtpTagBytes, wideSeqHeaderBytes, writeRtpHeaderWithWideSeq } from '../../bots/srtp/srtp-rtp.js';
import { senderReport } from '../../bots/video/rtcp.js';
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
