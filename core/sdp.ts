/**
 * Reading and editing session descriptions (RFC 8866) as text, for the few things adapters and
 * participants need: media sections, their mid, payload type, SSRC and direction, the DTLS
 * fingerprint and role, ICE candidates. Lines are scanned rather than parsed into an object model:
 * a join storm makes thousands of descriptions, always of the same few shapes.
 */

export interface Fingerprint { algorithm: string; value: string }

export interface MediaSection {
  kind: string;
  /** Every line of the section, its m= line first. */
  lines: string[];
  mid: string | undefined;
}

export interface SdpCandidate { foundation: string; component: string; protocol: string; priority: string; address: string; port: number; type: string }

/** The transport-wide sequence number header extension (draft-holmer-rmcat-transport-wide-cc-extensions-01). */
export const transportCcUri = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

/** The client-to-mixer audio level header extension (RFC 6464). */
export const audioLevelUri = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

/** The id a media section's `a=extmap` gives `uri`, or undefined. */
export function extmapId(lines: string[], uri: string): number | undefined {
  const match = lines.map((line) => /^a=extmap:(\d+)\S* (\S+)/.exec(line)).find((m) => m?.[2] === uri);
  return match ? Number(match[1]) : undefined;
}

export const sdpLines = (sdp: string): string[] => sdp.split(/\r?\n/).filter((line) => line !== '');

export const sdpText = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;

/** The value of the first `a=<name>:` line, or undefined. */
export function attribute(lines: string[], name: string): string | undefined {
  const prefix = `a=${name}:`;
  return lines.find((line) => line.startsWith(prefix))?.slice(prefix.length);
}

export function hasFlag(lines: string[], name: string): boolean {
  return lines.includes(`a=${name}`);
}

export function mediaSections(sdp: string): MediaSection[] {
  const sections: MediaSection[] = [];
  for (const line of sdpLines(sdp)) {
    if (line.startsWith('m=')) sections.push({ kind: line.slice(2, line.indexOf(' ')), lines: [line], mid: undefined });
    else sections.at(-1)?.lines.push(line);
  }
  for (const section of sections) section.mid = attribute(section.lines, 'mid');
  return sections;
}

/** The session-level lines, before the first m= line. */
export function sessionPart(sdp: string): string[] {
  const lines = sdpLines(sdp);
  const first = lines.findIndex((line) => line.startsWith('m='));
  return first < 0 ? lines : lines.slice(0, first);
}

/** The DTLS fingerprint, from the session or the first section that has one. */
export function fingerprintOf(sdp: string): Fingerprint {
  const [algorithm, value] = attribute(sdpLines(sdp), 'fingerprint')?.split(' ') ?? [];
  if (!algorithm || !value) throw new Error('SDP has no DTLS fingerprint');
  return { algorithm, value };
}

/** The a=setup value (actpass, active, passive) of the first section, or undefined. */
export function setupOf(sdp: string): string | undefined {
  return attribute(sdpLines(sdp), 'setup');
}

/** The payload type of the first rtpmap with this codec name in a section (case-insensitive). */
export function payloadTypeOf(section: MediaSection, codec: string): number | undefined {
  const pattern = new RegExp(`^a=rtpmap:(\\d+) ${codec}/`, 'i');
  for (const line of section.lines) {
    const match = pattern.exec(line);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** The first SSRC of a section with its cname, or undefined. */
export function ssrcOf(section: MediaSection): { ssrc: number; cname: string | undefined } | undefined {
  let ssrc: number | undefined;
  let cname: string | undefined;
  for (const line of section.lines) {
    const match = /^a=ssrc:(\d+) (\S+?)(?::(\S+))?$/.exec(line);
    if (!match) continue;
    ssrc ??= Number(match[1]);
    if (Number(match[1]) === ssrc && match[2] === 'cname') cname = match[3];
  }
  return ssrc === undefined ? undefined : { ssrc, cname };
}

/** sendrecv, sendonly, recvonly or inactive (sendrecv when the section says none). */
export function directionOf(section: MediaSection): 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' {
  for (const direction of ['sendonly', 'recvonly', 'inactive', 'sendrecv'] as const) if (hasFlag(section.lines, direction)) return direction;
  return 'sendrecv';
}

function parseCandidate(value: string): SdpCandidate | undefined {
  const [foundation, component, protocol, priority, address, port, , type] = value.split(' ');
  if (!foundation || !component || !protocol || !priority || !address || !port || !type) return undefined;
  return { foundation, component, protocol: protocol.toLowerCase(), priority, address, port: Number(port), type };
}

/** Every distinct UDP candidate (address and port) of the description. */
export function candidatesOf(sdp: string): SdpCandidate[] {
  const seen = new Map<string, SdpCandidate>();
  for (const line of sdpLines(sdp)) {
    if (!line.startsWith('a=candidate:')) continue;
    const candidate = parseCandidate(line.slice('a=candidate:'.length));
    if (candidate?.protocol === 'udp') seen.set(`${candidate.address}:${candidate.port}`, candidate);
  }
  return [...seen.values()];
}

/**
 * The description with each UDP candidate's address and port replaced by what `to` gives for it
 * (a relay's socket, a namespace's gateway); candidates `to` leaves out are dropped.
 */
export function rewriteCandidates(sdp: string, to: (candidate: SdpCandidate) => { address: string; port: number } | undefined): string {
  const lines: string[] = [];
  for (const line of sdpLines(sdp)) {
    if (!line.startsWith('a=candidate:')) {
      lines.push(line);
      continue;
    }
    const candidate = parseCandidate(line.slice('a=candidate:'.length));
    if (!candidate || candidate.protocol !== 'udp') continue;
    const target = to(candidate);
    if (!target) continue;
    const fields = line.slice('a=candidate:'.length).split(' ');
    fields[4] = target.address;
    fields[5] = String(target.port);
    lines.push(`a=candidate:${fields.join(' ')}`);
  }
  return sdpText(lines);
}

/** The offer without the media sections of kinds `kinds` leaves out (and without their mids in BUNDLE). */
export function offerWithout(offer: string, kept: (kind: string) => boolean): string {
  const sections = mediaSections(offer);
  const dropped = new Set(sections.filter((s) => !kept(s.kind)).map((s) => s.mid));
  const session = sessionPart(offer).map((line) => (line.startsWith('a=group:BUNDLE') ? ['a=group:BUNDLE', ...line.split(' ').slice(1).filter((mid) => !dropped.has(mid))].join(' ') : line));
  return sdpText([...session, ...sections.filter((s) => kept(s.kind)).flatMap((s) => s.lines)]);
}

/**
 * An answer to the whole offer from an answer to `offerWithout(offer, kept)`: the sections left out
 * come back rejected (port 0, inactive), in the offer's order, as RFC 8829 answers a kind it cannot take.
 */
export function answerRejecting(answer: string, offer: string, kept: (kind: string) => boolean): string {
  const answered = mediaSections(answer);
  const lines = [...sessionPart(answer)];
  for (const section of mediaSections(offer)) {
    if (kept(section.kind)) {
      lines.push(...(answered.shift()?.lines ?? []));
      continue;
    }
    const [, , proto, format] = section.lines[0]!.split(' ');
    lines.push(`m=${section.kind} 0 ${proto} ${format}`, 'c=IN IP4 0.0.0.0', ...(section.mid !== undefined ? [`a=mid:${section.mid}`] : []), 'a=inactive');
  }
  return sdpText(lines);
}
