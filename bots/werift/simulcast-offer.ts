/**
 * A bot's video offer as a browser's SSRC simulcast writes it: werift offers one VP8 stream; the
 * offer the target sees has the bot's layers in an `a=ssrc-group:SIM` (lowest first), each with an
 * RTX stream in an `a=ssrc-group:FID`, RTX's payload type, and the transport-wide sequence number
 * extension. werift never sends on these SSRCs (the media plane does), so only the target reads them.
 */
import { sdpLines, sdpText, transportCcUri } from '../../core/sdp.js';

export interface SimulcastSsrcs {
  /** Lowest layer first. */
  ssrcs: readonly number[];
  rtxSsrcs: readonly number[];
}

/** What the offer says the bot sends as video. */
export interface SentVideo extends SimulcastSsrcs {
  payloadType: number;
  rtxPayloadType: number;
  wideSeqId: number;
}

/** `sdp` with its first sending VP8 section rewritten for `layers`; throws when there is none. */
export function simulcastOffer(sdp: string, layers: SimulcastSsrcs): { sdp: string; video: SentVideo } {
  const lines = sdpLines(sdp);
  const start = lines.findIndex((line) => line.startsWith('m=video '));
  if (start < 0) throw new Error('werift offered no video section to send simulcast on');
  const next = lines.findIndex((line, i) => i > start && line.startsWith('m='));
  const end = next < 0 ? lines.length : next;
  const section = lines.slice(start, end);
  const vp8 = section.map((line) => /^a=rtpmap:(\d+) VP8\/90000/i.exec(line)).find((match) => match);
  if (!vp8) throw new Error('werift\'s video offer has no VP8 payload type');
  const payloadType = Number(vp8[1]);
  const cname = section.map((line) => /^a=ssrc:\d+ cname:(\S+)/.exec(line)).find((match) => match)?.[1] ?? 'rtcstorm';
  const mline = section[0]!.split(' ');
  const usedTypes = new Set(mline.slice(3).map(Number));
  const rtxPayloadType = [...Array(32).keys()].map((k) => 96 + k).find((pt) => !usedTypes.has(pt))!;
  // Extension ids are shared by every section of a bundle: take one no section uses.
  const usedIds = new Set(lines.map((line) => /^a=extmap:(\d+)/.exec(line)).filter((match) => match).map((match) => Number(match![1])));
  const existing = section.map((line) => /^a=extmap:(\d+)\S* (\S+)/.exec(line)).find((match) => match?.[2] === transportCcUri);
  const wideSeqId = existing ? Number(existing[1]) : [...Array(14).keys()].map((k) => k + 1).find((id) => !usedIds.has(id))!;
  const { ssrcs, rtxSsrcs } = layers;
  const rewritten = [
    [...mline, String(rtxPayloadType)].join(' '),
    ...section.slice(1).filter((line) => !line.startsWith('a=ssrc:') && !line.startsWith('a=ssrc-group:')),
    ...(existing ? [] : [`a=extmap:${wideSeqId} ${transportCcUri}`]),
    `a=rtcp-fb:${payloadType} transport-cc`,
    `a=rtpmap:${rtxPayloadType} rtx/90000`,
    `a=fmtp:${rtxPayloadType} apt=${payloadType}`,
    `a=ssrc-group:SIM ${ssrcs.join(' ')}`,
    ...ssrcs.map((ssrc, k) => `a=ssrc-group:FID ${ssrc} ${rtxSsrcs[k]!}`),
    ...ssrcs.flatMap((ssrc, k) => [`a=ssrc:${ssrc} cname:${cname}`, `a=ssrc:${rtxSsrcs[k]!} cname:${cname}`]),
  ];
  const out = [...lines.slice(0, start), ...rewritten, ...lines.slice(end)];
  return { sdp: sdpText(out), video: { ssrcs, rtxSsrcs, payloadType, rtxPayloadType, wideSeqId } };
}
