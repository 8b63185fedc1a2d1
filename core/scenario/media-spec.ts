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
  /** werift bots only (browsers' encoders choose): the top layer's size is width × height, the layers share this. */
  bitrateKbps?: number;
  simulcast?: 1 | 2 | 3;
  /** A keyframe this often besides those asked for; null: only when asked, as browsers do. */
  keyframeIntervalMs?: number | null;
}
