/**
 * mediasoup speaks no SDP, so the adapter writes the target's side of each exchange from
 * mediasoup's transport parameters, and reads what produce() and connect() need from the
 * participant's own SDP. mediasoup is ICE-lite: the session says so, which makes the participant
 * take the controlling role.
 */
import type { TransportInfo } from '../../ports/rtcstorm-protocol.js';
import { audioLevelUri, extmapId, transportCcUri } from '../../core/sdp.js';

export interface Fingerprint { algorithm: string; value: string }

export interface SendOfferInfo { mid: string; payloadType: number; ssrc: number; cname: string; fingerprint: Fingerprint }

/** One track of the participant's send offer, as produce() takes it. */
export interface SendSection {
  kind: 'audio' | 'video';
  mid: string;
  payloadType: number;
  ssrc: number;
  cname: string;
  /** SSRC simulcast (a=ssrc-group:SIM, lowest layer first), each with its RTX stream (a=ssrc-group:FID); else the one `ssrc`. */
  encodings?: Array<{ ssrc: number; rtxSsrc?: number }>;
  /** RTX's payload type (a=rtpmap:N rtx/90000 with a=fmtp:N apt=payloadType). */
  rtxPayloadType?: number;
  /** The transport-wide sequence number's extension id (a=extmap). */
  wideSeqId?: number;
  /** Audio: the audio level extension's id (RFC 6464), where the participant offered it. */
  audioLevelId?: number;
}

/** A consumer as the participant negotiates it: one m-line, sendonly from mediasoup's side (audio unless `kind` says). */
export interface ConsumerLine {
  mid: string;
  payloadType: number;
  ssrc: number;
  cname: string;
  active: boolean;
  kind?: 'audio' | 'video';
  /** Its RTX stream, where the participant asked for RTX. */
  rtx?: { ssrc: number; payloadType: number };
  /** The transport-wide sequence number's extension id, where the participant asked for it. */
  wideSeqId?: number;
}

export { audioLevelUri, transportCcUri };

const opus = { codec: 'opus', rate: 48000, encoding: 2 } as const;
const vp8 = { codec: 'VP8', rate: 90000 } as const;

/**
 * The participant's own SDP is read by scanning its lines for the few attributes needed: a full parse (with
 * sdp-transform) of every description a join storm produces cost more than the reading needs.
 */
function attribute(lines: string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  return lines.find((line) => line.startsWith(prefix))?.slice(prefix.length);
}

function fingerprintOf(lines: string[]): Fingerprint {
  const [algorithm, value] = attribute(lines, 'fingerprint')?.split(' ') ?? [];
  if (!algorithm || !value) throw new Error('the participant\'s SDP has no DTLS fingerprint');
  return { algorithm, value };
}

const sdpLines = (sdp: string): string[] => sdp.split(/\r?\n/);

/**
 * The participant's DTLS parameters as its answer states them, in the form mediasoup's connect()
 * takes: the role (a=setup) is the remote endpoint's, not mediasoup's own.
 */
export function readDtlsParameters(sdp: string): { role: 'client' | 'server'; fingerprints: Fingerprint[] } {
  const lines = sdpLines(sdp);
  const setup = attribute(lines, 'setup');
  if (setup !== 'active' && setup !== 'passive') throw new Error(`the participant's SDP has a=setup:${setup ?? '(none)'}; expected active or passive`);
  return { role: setup === 'active' ? 'client' : 'server', fingerprints: [fingerprintOf(lines)] };
}

/** What mediasoup's produce() needs from the participant's offer for its single audio sender. */
export function readSendOffer(sdp: string): SendOfferInfo {
  const lines = sdpLines(sdp);
  const start = lines.findIndex((line) => line.startsWith('m=audio '));
  const next = lines.findIndex((line, i) => i > start && line.startsWith('m='));
  const media = start < 0 ? [] : lines.slice(start, next < 0 ? undefined : next);
  const mid = attribute(media, 'mid');
  if (mid === undefined) throw new Error('the participant\'s offer has no audio m-line with a mid');
  const opusLine = media.map((line) => /^a=rtpmap:(\d+) opus\//i.exec(line)).find((match) => match);
  if (!opusLine) throw new Error('the participant\'s offer has no Opus payload type');
  const ssrcLine = media.map((line) => /^a=ssrc:(\d+) cname:(\S+)/.exec(line)).find((match) => match);
  if (!ssrcLine) throw new Error('the participant\'s offer has no a=ssrc cname line');
  return { mid, payloadType: Number(opusLine[1]), ssrc: Number(ssrcLine[1]), cname: ssrcLine[2]!, fingerprint: fingerprintOf(lines) };
}

/** Every track the participant's offer sends (Opus audio, VP8 video), with the DTLS fingerprint. */
export function readSendSections(sdp: string): { sections: SendSection[]; fingerprint: Fingerprint } {
  const lines = sdpLines(sdp);
  const sections: SendSection[] = [];
  let start = lines.findIndex((line) => line.startsWith('m='));
  while (start >= 0) {
    const next = lines.findIndex((line, i) => i > start && line.startsWith('m='));
    const media = lines.slice(start, next < 0 ? undefined : next);
    const kind = media[0]!.startsWith('m=audio ') ? 'audio' : media[0]!.startsWith('m=video ') ? 'video' : undefined;
    const mid = attribute(media, 'mid');
    const codec = kind === 'audio' ? /^a=rtpmap:(\d+) opus\//i : /^a=rtpmap:(\d+) VP8\//i;
    const payload = media.map((line) => codec.exec(line)).find((match) => match);
    const ssrc = media.map((line) => /^a=ssrc:(\d+) cname:(\S+)/.exec(line)).find((match) => match);
    if (kind && mid !== undefined && payload && ssrc && !media.includes('a=inactive') && !media.includes('a=recvonly')) {
      const audioLevelId = kind === 'audio' ? extmapId(media, audioLevelUri) : undefined;
      sections.push({ kind, mid, payloadType: Number(payload[1]), ssrc: Number(ssrc[1]), cname: ssrc[2]!, ...(kind === 'video' ? videoExtras(media, Number(payload[1])) : {}), ...(audioLevelId === undefined ? {} : { audioLevelId }) });
    }
    start = next;
  }
  if (!sections.some((s) => s.kind === 'audio')) throw new Error('the participant\'s offer sends no Opus audio track with an a=ssrc cname line');
  return { sections, fingerprint: fingerprintOf(lines) };
}

const ssrcGroup = (media: string[], semantics: string): number[][] =>
  media.filter((line) => line.startsWith(`a=ssrc-group:${semantics} `)).map((line) => line.split(' ').slice(1).map(Number));

/** A video section's simulcast encodings, RTX and transport-wide sequence numbers, where its lines have them. */
function videoExtras(media: string[], payloadType: number): Pick<SendSection, 'encodings' | 'rtxPayloadType' | 'wideSeqId'> {
  const extras: Pick<SendSection, 'encodings' | 'rtxPayloadType' | 'wideSeqId'> = {};
  const rtx = media.map((line) => /^a=fmtp:(\d+) apt=(\d+)/.exec(line)).find((match) => match && Number(match[2]) === payloadType);
  if (rtx) extras.rtxPayloadType = Number(rtx[1]);
  const extmap = media.map((line) => /^a=extmap:(\d+)\S* (\S+)/.exec(line)).find((match) => match?.[2] === transportCcUri);
  if (extmap) extras.wideSeqId = Number(extmap[1]);
  const fid = new Map(ssrcGroup(media, 'FID').map(([media, repair]) => [media!, repair!]));
  // Simulcast's layers, or (a browser's one encoding) the section's first SSRC with its RTX stream.
  const ssrcs = ssrcGroup(media, 'SIM')[0] ?? [...fid.keys()].slice(0, 1);
  if (ssrcs.length > 0) extras.encodings = ssrcs.map((ssrc) => ({ ssrc, ...(fid.has(ssrc) ? { rtxSsrc: fid.get(ssrc)! } : {}) }));
  return extras;
}

/**
 * The remote SDP is written line by line rather than through sdp-transform's writer: it is made
 * once per negotiation per bot (a join storm makes thousands), always in the same shape, and the
 * writer's object model and formatting cost more than the rest of building it.
 */
function sessionLines(transport: TransportInfo, version: number, mids: string[]): string[] {
  const fingerprint = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? transport.dtlsParameters.fingerprints[0];
  if (!fingerprint) throw new Error('mediasoup transport has no DTLS fingerprint');
  return [
    'v=0',
    `o=- 1 ${version} IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=fingerprint:${fingerprint.algorithm} ${fingerprint.value}`,
    `a=group:BUNDLE ${mids.join(' ')}`,
    'a=msid-semantic: WMS *',
  ];
}

/** What a line adds: for video RTX's payload type and the transport-wide sequence number's extension, for audio the audio level's. */
interface LineExtras { rtxPayloadType?: number | undefined; wideSeqId?: number | undefined; audioLevelId?: number | undefined }

function mediaLines(transport: TransportInfo, mid: string, payloadType: number, direction: 'sendonly' | 'recvonly' | 'inactive', setup: 'passive' | 'actpass', kind: 'audio' | 'video' = 'audio', extras: LineExtras = {}): string[] {
  const { usernameFragment, password } = transport.iceParameters;
  const { rtxPayloadType, wideSeqId, audioLevelId } = extras;
  const codec =
    kind === 'audio'
      ? [`a=rtpmap:${payloadType} ${opus.codec}/${opus.rate}/${opus.encoding}`, `a=fmtp:${payloadType} minptime=10;useinbandfec=1`, ...(audioLevelId === undefined ? [] : [`a=extmap:${audioLevelId} ${audioLevelUri}`])]
      : [
          `a=rtpmap:${payloadType} ${vp8.codec}/${vp8.rate}`,
          `a=rtcp-fb:${payloadType} nack`,
          `a=rtcp-fb:${payloadType} nack pli`,
          `a=rtcp-fb:${payloadType} ccm fir`,
          ...(wideSeqId === undefined ? [] : [`a=rtcp-fb:${payloadType} transport-cc`, `a=extmap:${wideSeqId} ${transportCcUri}`]),
          ...(rtxPayloadType === undefined ? [] : [`a=rtpmap:${rtxPayloadType} rtx/${vp8.rate}`, `a=fmtp:${rtxPayloadType} apt=${payloadType}`]),
        ];
  return [
    `m=${kind} 7 UDP/TLS/RTP/SAVPF ${payloadType}${rtxPayloadType === undefined ? '' : ` ${rtxPayloadType}`}`,
    'c=IN IP4 127.0.0.1',
    ...codec,
    `a=mid:${mid}`,
    `a=${direction}`,
    `a=ice-ufrag:${usernameFragment}`,
    `a=ice-pwd:${password}`,
    ...transport.iceCandidates.map((c) => `a=candidate:${c.foundation} 1 ${c.protocol} ${c.priority} ${c.address ?? c.ip ?? ''} ${c.port} typ ${c.type}`),
    'a=end-of-candidates',
    `a=setup:${setup}`,
    'a=rtcp-mux',
    'a=rtcp-rsize',
  ];
}

const sdpText = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;

/** mediasoup's answer to the participant's send offer (one track, or several): mediasoup receives and is the DTLS client. */
type AnsweredSection = Pick<SendSection, 'mid' | 'payloadType' | 'rtxPayloadType' | 'wideSeqId' | 'audioLevelId'> & { kind?: SendSection['kind'] };

export function sendAnswer(transport: TransportInfo, offer: AnsweredSection | AnsweredSection[]): string {
  const sections = Array.isArray(offer) ? offer : [offer];
  return sdpText([...sessionLines(transport, 1, sections.map((s) => s.mid)), ...sections.flatMap((s) => mediaLines(transport, s.mid, s.payloadType, 'recvonly', 'passive', s.kind ?? 'audio', s))]);
}

/** mediasoup's offer of every consumer so far; ended consumers stay as inactive lines, since m-lines are never removed. */
export function recvOffer(transport: TransportInfo, consumers: ConsumerLine[], version: number): string {
  const lines = sessionLines(transport, version, consumers.map((c) => c.mid));
  for (const consumer of consumers) {
    const { rtx } = consumer;
    const msid = `msid:rtcstorm-${consumer.mid} ${consumer.kind ?? 'audio'}-${consumer.mid}`;
    lines.push(
      ...mediaLines(transport, consumer.mid, consumer.payloadType, consumer.active ? 'sendonly' : 'inactive', 'actpass', consumer.kind ?? 'audio', { rtxPayloadType: rtx?.payloadType, wideSeqId: consumer.wideSeqId }),
      ...(rtx ? [`a=ssrc-group:FID ${consumer.ssrc} ${rtx.ssrc}`] : []),
      `a=ssrc:${consumer.ssrc} cname:${consumer.cname}`,
      `a=ssrc:${consumer.ssrc} ${msid}`,
      ...(rtx ? [`a=ssrc:${rtx.ssrc} cname:${consumer.cname}`, `a=ssrc:${rtx.ssrc} ${msid}`] : []),
    );
  }
  return sdpText(lines);
}
