/**
 * mediasoup speaks no SDP, so the bot writes the remote side's SDP from mediasoup's transport
 * parameters and reads what it needs from werift's own SDP. mediasoup is ICE-lite: the session
 * says so, which makes werift take the controlling role.
 */
import sdpTransform, { type MediaAttributes, type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { TransportInfo } from '../../target-server/protocol.js';

export interface Fingerprint { algorithm: string; value: string }

export interface SendOfferInfo { mid: string; payloadType: number; ssrc: number; cname: string; fingerprint: Fingerprint }

/** A consumer as the bot negotiates it: one m-line, sendonly from mediasoup's side. */
export interface ConsumerLine { mid: string; payloadType: number; ssrc: number; cname: string; active: boolean }

const opus = { codec: 'opus', rate: 48000, encoding: 2 } as const;

function fingerprintOf(parsed: SessionDescription): Fingerprint {
  const fingerprint = parsed.fingerprint ?? parsed.media.find((m) => m.fingerprint)?.fingerprint;
  if (!fingerprint) throw new Error('werift SDP has no DTLS fingerprint');
  return { algorithm: fingerprint.type, value: fingerprint.hash };
}

/**
 * werift's DTLS parameters as its answer states them, in the form mediasoup's connect() takes: the
 * role (a=setup) is the remote endpoint's, not mediasoup's own.
 */
export function readDtlsParameters(sdp: string): { role: 'client' | 'server'; fingerprints: Fingerprint[] } {
  const parsed = sdpTransform.parse(sdp);
  const setup = parsed.setup ?? parsed.media.find((m) => m.setup)?.setup;
  if (setup !== 'active' && setup !== 'passive') throw new Error(`werift SDP has a=setup:${setup ?? '(none)'}; expected active or passive`);
  return { role: setup === 'active' ? 'client' : 'server', fingerprints: [fingerprintOf(parsed)] };
}

/** What mediasoup's produce() needs from werift's offer for its single audio sender. */
export function readSendOffer(sdp: string): SendOfferInfo {
  const parsed = sdpTransform.parse(sdp);
  const media = parsed.media.find((m) => m.type === 'audio');
  if (media?.mid === undefined) throw new Error('werift offer has no audio m-line with a mid');
  const rtp = media.rtp.find((r) => r.codec.toLowerCase() === 'opus');
  if (!rtp) throw new Error('werift offer has no Opus payload type');
  const ssrc = media.ssrcs?.[0]?.id;
  const cname = media.ssrcs?.find((s) => s.attribute === 'cname')?.value;
  if (ssrc === undefined || !cname) throw new Error('werift offer has no a=ssrc cname line');
  return { mid: String(media.mid), payloadType: rtp.payload, ssrc: Number(ssrc), cname, fingerprint: fingerprintOf(parsed) };
}

function session(transport: TransportInfo, version: number, mids: string[]): SessionDescription {
  const fingerprint = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? transport.dtlsParameters.fingerprints[0];
  if (!fingerprint) throw new Error('mediasoup transport has no DTLS fingerprint');
  return {
    version: 0,
    origin: { username: '-', sessionId: 1, sessionVersion: version, netType: 'IN', ipVer: 4, address: '127.0.0.1' },
    name: '-',
    timing: { start: 0, stop: 0 },
    icelite: 'ice-lite',
    fingerprint: { type: fingerprint.algorithm, hash: fingerprint.value },
    groups: [{ type: 'BUNDLE', mids: mids.join(' ') }],
    msidSemantic: { semantic: 'WMS', token: '*' },
    media: [],
  };
}

function audioLine(transport: TransportInfo, mid: string, payloadType: number, direction: MediaAttributes['direction'], setup: 'passive' | 'actpass'): MediaDescription {
  return {
    type: 'audio',
    port: 7,
    protocol: 'UDP/TLS/RTP/SAVPF',
    payloads: String(payloadType),
    connection: { version: 4, ip: '127.0.0.1' },
    mid,
    direction,
    iceUfrag: transport.iceParameters.usernameFragment,
    icePwd: transport.iceParameters.password,
    candidates: transport.iceCandidates.map((c) => ({
      foundation: c.foundation,
      component: 1,
      transport: c.protocol,
      priority: c.priority,
      ip: c.address ?? c.ip ?? '',
      port: c.port,
      type: c.type,
    })),
    endOfCandidates: 'end-of-candidates',
    setup,
    rtcpMux: 'rtcp-mux',
    rtcpRsize: 'rtcp-rsize',
    rtp: [{ payload: payloadType, ...opus }],
    fmtp: [{ payload: payloadType, config: 'minptime=10;useinbandfec=1' }],
  };
}

/** mediasoup's answer to werift's send offer: mediasoup receives and is the DTLS client. */
export function sendAnswer(transport: TransportInfo, offer: SendOfferInfo): string {
  const description = session(transport, 1, [offer.mid]);
  description.media.push(audioLine(transport, offer.mid, offer.payloadType, 'recvonly', 'passive'));
  return sdpTransform.write(description);
}

/** mediasoup's offer of every consumer so far; ended consumers stay as inactive lines, since m-lines are never removed. */
export function recvOffer(transport: TransportInfo, consumers: ConsumerLine[], version: number): string {
  const description = session(transport, version, consumers.map((c) => c.mid));
  for (const consumer of consumers) {
    const line = audioLine(transport, consumer.mid, consumer.payloadType, consumer.active ? 'sendonly' : 'inactive', 'actpass');
    line.ssrcs = [
      { id: consumer.ssrc, attribute: 'cname', value: consumer.cname },
      { id: consumer.ssrc, attribute: 'msid', value: `rtcstorm-${consumer.mid} audio-${consumer.mid}` },
    ];
    description.media.push(line);
  }
  return sdpTransform.write(description);
}
