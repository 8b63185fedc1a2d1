/** What a participant sends, whichever engine runs it: the plan gives every bot these. */

export interface AudioSpec {
  codec: 'opus';
  ptimeMs: 10 | 20 | 40 | 60;
  bitrateKbps: number;
}

/** `always`: a packet every packet time; `p59`: ITU-T P.59 talk spurts and pauses, with Opus DTX in pauses. */
export type TalkSpec = { model: 'always' } | { model: 'p59'; dtx: boolean };

export interface VideoSpec {
  codec: 'vp8';
  width: number;
  height: number;
  fps: number;
}
