/**
 * The video bots' RTCP against werift's own RTCP classes, an independent implementation: what one
 * writes the other reads back, for PLI, NACK and transport-wide feedback (with losses, large and
 * negative deltas and a sequence number wrap).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GenericNack, PictureLossIndication, RtcpPayloadSpecificFeedback, RtcpTransportLayerFeedback, RtcpPacketConverter, TransportWideCC, RunLengthChunk, RecvDelta, PacketStatus } from 'werift';
import { nackPacket, pliPacket, readRtcp, TransportFeedbackWriter } from '../../bots/video/rtcp.js';

describe('video RTCP', () => {
  it('writes PLI and NACK as werift reads them, and reads werift\'s', () => {
    const [pli] = RtcpPacketConverter.deSerialize(pliPacket(11, 22));
    assert.ok(pli instanceof RtcpPayloadSpecificFeedback && pli.feedback instanceof PictureLossIndication);
    assert.equal(pli.feedback.mediaSsrc, 22);
    const [nack] = RtcpPacketConverter.deSerialize(nackPacket(11, 22, [100, 101, 103, 117, 140]));
    assert.ok(nack instanceof RtcpTransportLayerFeedback && nack.feedback instanceof GenericNack);
    assert.deepEqual(nack.feedback.lost, [100, 101, 103, 117, 140]);
    // Across a wrap (werift's reader does not wrap a bitmask's numbers: ours is checked alone there).
    const seqs = [65534, 65535, 0, 3, 17, 40];
    assert.deepEqual(readRtcp(nackPacket(11, 22, seqs)), { type: 'nack', mediaSsrc: 22, seqs });
    const theirs = new RtcpTransportLayerFeedback({ feedback: new GenericNack({ senderSsrc: 1, mediaSourceSsrc: 9, lost: [100, 101, 105, 130] }) }).serialize();
    assert.deepEqual(readRtcp(theirs), { type: 'nack', mediaSsrc: 9, seqs: [100, 101, 105, 130] });
    assert.deepEqual(readRtcp(new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc: 7 }) }).serialize()), { type: 'pli', mediaSsrc: 7 });
  });

  it('writes transport-wide feedback that werift reads as sent, and reads werift\'s', () => {
    const writer = new TransportFeedbackWriter(5);
    const base = 1_733_390_000_123.25;
    // Arrivals of 65530..65545 (wrapping), some lost, one far apart (a large delta), one earlier than the one before (negative).
    const arrivals = new Map<number, number>([[65530, 0], [65531, 0.5], [65533, 3], [65534, 2.25], [65535, 90], [0, 90.25], [3, 300], [5, 301]]);
    for (const [seq, ms] of arrivals) writer.received(seq, base + ms);
    const packet = writer.feedback(99)!;
    const ours = readRtcp(packet);
    assert.ok(ours?.type === 'twcc');
    assert.equal(ours.results.length, 12);
    const [theirs] = RtcpPacketConverter.deSerialize(packet);
    assert.ok(theirs instanceof RtcpTransportLayerFeedback && theirs.feedback instanceof TransportWideCC);
    assert.equal(theirs.feedback.baseSequenceNumber, 65530);
    assert.equal(theirs.feedback.packetStatusCount, 12);
    // werift's deltas are in µs; the first is from the reference time.
    const received = ours.results.filter((r) => r.receivedAtMs !== null);
    assert.deepEqual(received.map((r) => r.wideSeq), [65530, 65531, 65533, 65534, 65535, 0, 3, 5]);
    assert.deepEqual(theirs.feedback.recvDeltas.map((d) => d.delta / 1000), [received[0]!.receivedAtMs! - theirs.feedback.referenceTime * 64, 0.5, 2.5, -0.75, 87.75, 0.25, 209.75, 1]);
    const times = received.map((r) => r.receivedAtMs! - received[0]!.receivedAtMs!);
    assert.deepEqual(times, [0, 0.5, 3, 2.25, 90, 90.25, 300, 301]);
    // Nothing new: no feedback; the next one starts after the last reported.
    assert.equal(writer.feedback(99), null);
    writer.received(6, base + 302);
    const next = readRtcp(writer.feedback(99)!);
    assert.ok(next?.type === 'twcc');
    assert.deepEqual(next.results.map((r) => r.wideSeq), [6]);

    // werift's writer, read by ours: a run of four received, then two lost (werift pads nothing, so its packet is kept 32-bit aligned here).
    const werift = new TransportWideCC({
      senderSsrc: 1, mediaSourceSsrc: 2, baseSequenceNumber: 10, packetStatusCount: 6, referenceTime: 100, fbPktCount: 0,
      packetChunks: [new RunLengthChunk({ packetStatus: PacketStatus.TypeTCCPacketReceivedSmallDelta, runLength: 4 }), new RunLengthChunk({ packetStatus: PacketStatus.TypeTCCPacketNotReceived, runLength: 2 })],
      recvDeltas: [1000, 2000, 500, 250].map((delta) => new RecvDelta({ delta })),
    });
    const read = readRtcp(new RtcpTransportLayerFeedback({ feedback: werift }).serialize());
    const lost = { receivedAtMs: null };
    assert.deepEqual(read, { type: 'twcc', results: [{ wideSeq: 10, receivedAtMs: 6401 }, { wideSeq: 11, receivedAtMs: 6403 }, { wideSeq: 12, receivedAtMs: 6403.5 }, { wideSeq: 13, receivedAtMs: 6403.75 }, { wideSeq: 14, ...lost }, { wideSeq: 15, ...lost }] });
  });
});
