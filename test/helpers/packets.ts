/** Datagrams as they appear on a WebRTC 5-tuple, for tests of the impairment relay. */

/** An RTP packet (version 2, Opus payload type) with the header fields the relay reads. */
export function rtpPacket(ssrc: number, seq: number, timestamp: number, bytes = 100): Buffer {
  const packet = Buffer.alloc(bytes);
  packet[0] = 0x80;
  packet[1] = 111;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE(timestamp >>> 0, 4);
  packet.writeUInt32BE(ssrc >>> 0, 8);
  return packet;
}

export const stunPacket = (): Buffer => Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, ...Array<number>(12).fill(7)]);
export const dtlsPacket = (): Buffer => Buffer.from([22, 0xfe, 0xfd, ...Array<number>(30).fill(1)]);
export const rtcpPacket = (): Buffer => Buffer.from([0x80, 200, 0x00, 0x06, ...Array<number>(24).fill(3)]);

/** One stream of `count` packets, 20 ms of 48 kHz audio apart. */
export function audioStream(ssrc: number, count: number, firstSeq = 0): Buffer[] {
  return Array.from({ length: count }, (_, k) => rtpPacket(ssrc, firstSeq + k, (firstSeq + k) * 960));
}
