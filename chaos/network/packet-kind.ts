/**
 * What a UDP datagram on a WebRTC 5-tuple is, by its first bytes (RFC 7983): STUN, DTLS, RTP or
 * RTCP. The RTP header (SSRC, sequence number, timestamp) is in clear under SRTP; the relay reads
 * the SSRC and the timestamp.
 */
export type PacketKind = 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'other';

export function packetKind(packet: Uint8Array): PacketKind {
  const first = packet[0] ?? 0;
  if (first <= 3) return 'stun';
  if (first >= 20 && first <= 63) return 'dtls';
  if (first >= 128 && first <= 191 && packet.length >= 12) {
    // RTCP packet types 192–223 sit where RTP has marker + payload type (RFC 5761).
    const type = packet[1]!;
    return type >= 192 && type <= 223 ? 'rtcp' : 'rtp';
  }
  return 'other';
}

function view(packet: Uint8Array): DataView {
  return new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
}

export function rtpSsrc(packet: Uint8Array): number {
  return view(packet).getUint32(8);
}

export function rtpTimestamp(packet: Uint8Array): number {
  return view(packet).getUint32(4);
}
