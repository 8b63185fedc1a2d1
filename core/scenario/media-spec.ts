/** What a participant sends, whichever engine runs it: the plan gives every bot these. */

export interface AudioSpec {
  codec: 'opus';
  ptimeMs: 10 | 20 | 40 | 60;
  bitrateKbps: number;
  /**
   * werift bots: `speech` (absent: the default) is real Opus speech, rated by a jitter-buffer model
   * and the E-model on receipt; `filler` is the cheapest valid Opus packet of the bitrate's size
   * (an empty frame and padding), not rated: forwarding load where voice quality is not asked.
   */
  content?: 'speech' | 'filler';
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
