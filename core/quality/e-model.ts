/**
 * The ITU-T G.107 (06/2015) E-model, narrowband, for one received audio stream over one second:
 * R = Ro − Is − Id − Ie,eff + A, every parameter but delay and loss at its Table 3 default.
 * Formula numbers as G.107 (06/2015) numbers them (taken from implementations that cite them).
 * Pure: imports nothing.
 */

/** One stream's second, as the E-model sees it. */
export interface EModelInput {
  /** Mouth-to-ear delay in ms (see mouthToEarMs); used as T = Ta, with Tr = 2T. */
  mouthToEarMs: number;
  /** Effective packet loss after the jitter buffer, percent 0..100 (late counts as lost): Ppl. */
  lossPercent: number;
  /** G.107 BurstR: 1 for random loss, > 1 for bursty (see burstRatio). */
  burstRatio: number;
}

/** A codec's place in the E-model: equipment impairment Ie and packet-loss robustness Bpl. */
export interface CodecImpairment {
  name: string;
  ie: number;
  bpl: number;
  /** Where ie and bpl come from. */
  source: string;
}

/**
 * Opus in the narrowband E-model. No ITU-T table for Opus could be found and read for this
 * (G.113 (11/2007) predates Opus, RFC 6716 of 2012; later G.113 wideband/fullband appendices not
 * read), so this is a mapping, not a citation of Opus values:
 * - Ie = 0: the narrowband scale's best codec is G.711 (Ie = 0); Opus at WebRTC rates carries
 *   wideband or fullband speech, which this scale cannot credit, so it is scored as G.711.
 * - Bpl = 25.1: G.113 Appendix I's planning value for G.711 with packet-loss concealment
 *   (G.711 Appendix I PLC), random loss; Opus has its own PLC, so G.711 without PLC (4.3) would
 *   overstate loss. Value cross-checked against several open-source E-models, table not read here.
 */
export const opusImpairment: CodecImpairment = {
  name: 'opus',
  ie: 0,
  bpl: 25.1,
  source:
    'Mapping, not an ITU-T Opus value: Ie = 0 and Bpl = 25.1 are ITU-T G.113 Appendix I planning values for ' +
    'G.711 with PLC (G.711 Appendix I), random loss; no G.113 Opus entry was found (see docs/voice-quality-emodel.md)',
};

// G.107 (06/2015) Table 3 defaults (A = 0: no advantage expected of a WebRTC call).
const SLR = 8; // send loudness rating, dB
const RLR = 2; // receive loudness rating, dB
const STMR = 15; // sidetone masking rating, dB
const LSTR = 18; // listener sidetone rating, dB
const DS = 3; // D-value of telephone, send side
const TELR = 65; // talker echo loudness rating, dB
const WEPL = 110; // weighted echo path loss, dB
const QDU = 1; // quantizing distortion units
const NC = -70; // circuit noise, dBm0p
const NFOR = -64; // noise floor at the receive side, dBmp
const PS = 35; // room noise at the send side, dB(A)
const PR = 35; // room noise at the receive side, dB(A)
const A = 0; // advantage factor
const MT = 100; // minimum perceivable delay mT, ms
const ST = 1; // delay sensitivity sT

const log10 = Math.log10;

// Ro, the basic signal-to-noise ratio (7-2)…(7-7): fixed, since only delay and loss vary here.
const OLR = SLR + RLR;
const NOS = PS - SLR - DS - 100 + 0.004 * (PS - OLR - DS - 14) ** 2;
const PRE = PR + 10 * log10(1 + 10 ** ((10 - LSTR) / 10));
const NOR = RLR - 121 + PRE + 0.008 * (PRE - 35) ** 2;
const NFO = NFOR + RLR;
const NO = 10 * log10(10 ** (NC / 10) + 10 ** (NOS / 10) + 10 ** (NOR / 10) + 10 ** (NFO / 10));
const RO = 15 - 1.5 * (SLR + NO);

/** Is, the simultaneous impairment factor (7-8)…(7-17); T enters only through STMRo's echo term. */
function simultaneousImpairment(t: number): number {
  const xolr = OLR + 0.2 * (64 + NO - RLR);
  const iolr = 20 * ((1 + (xolr / 8) ** 8) ** (1 / 8) - xolr / 8);
  const stmro = -10 * log10(10 ** (-STMR / 10) + Math.exp(-t / 4) * 10 ** (-TELR / 10));
  const ist =
    12 * (1 + ((stmro - 13) / 6) ** 8) ** (1 / 8) -
    28 * (1 + ((stmro + 1) / 19.4) ** 35) ** (1 / 35) -
    13 * (1 + ((stmro - 3) / 33) ** 13) ** (1 / 13) +
    29;
  const q = 37 - 15 * log10(QDU);
  const g = 1.07 + 0.258 * q + 0.0602 * q * q;
  const y = (RO - 100) / 15 + 46 / 8.4 - g / 9;
  const z = 46 / 30 - g / 40;
  const iq = 15 * log10(1 + 10 ** y + 10 ** z);
  return iolr + ist + iq;
}

/**
 * Id = Idte + Idle + Idd (7-18)…(7-28), with T = Ta = mouth-to-ear delay and Tr = 2T.
 * The STMR < 9 and STMR > 20 branches of Idte are left out: STMR is fixed at its default 15.
 */
export function delayImpairment(mouthToEarMs: number): number {
  const t = Math.max(0, mouthToEarMs);
  // Talker echo: for T < 1 ms the echo counts as sidetone, so Idte = 0.
  let idte = 0;
  if (t >= 1) {
    const terv = TELR - 40 * log10((1 + t / 10) / (1 + t / 150)) + 6 * Math.exp(-0.3 * t * t);
    const roe = -1.5 * (NO - RLR);
    const re = 80 + 2.5 * (terv - 14);
    idte = ((roe - re) / 2 + Math.sqrt((roe - re) ** 2 / 4 + 100) - 1) * (1 - Math.exp(-t));
  }
  // Listener echo over the round trip Tr.
  const rle = 10.5 * (WEPL + 7) * (2 * t + 1) ** -0.25;
  const idle = (RO - rle) / 2 + Math.sqrt((RO - rle) ** 2 / 4 + 169);
  // Too-long absolute delay Ta; nothing below mT.
  let idd = 0;
  if (t > MT) {
    const x = Math.log2(t / MT);
    const k = 6 * ST;
    idd = 25 * ((1 + x ** k) ** (1 / k) - 3 * (1 + (x / 3) ** k) ** (1 / k) + 2);
  }
  return idte + idle + idd;
}

/** Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl/BurstR + Bpl) (7-29). */
export function effectiveEquipmentImpairment(lossPercent: number, burstRatio: number, codec: CodecImpairment): number {
  const ppl = Math.min(100, Math.max(0, lossPercent));
  const burstR = Math.max(1, burstRatio);
  return codec.ie + ((95 - codec.ie) * ppl) / (ppl / burstR + codec.bpl);
}

/** The transmission rating R = Ro − Is − Id − Ie,eff + A (7-1). */
export function rFactor(input: EModelInput, codec: CodecImpairment = opusImpairment): number {
  const t = Math.max(0, input.mouthToEarMs);
  return (
    RO -
    simultaneousImpairment(t) -
    delayImpairment(t) -
    effectiveEquipmentImpairment(input.lossPercent, input.burstRatio, codec) +
    A
  );
}

/** G.107 Annex B (B-4): MOS (conversational quality, estimated) from R; 4.5 is the ceiling. */
export function mosFromR(r: number): number {
  if (r < 0) return 1;
  if (r > 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

/** The stream's second as a MOS. */
export function mos(input: EModelInput, codec: CodecImpairment = opusImpairment): number {
  return mosFromR(rFactor(input, codec));
}

/**
 * G.107's BurstR from a second's packet outcomes: the observed mean length of loss runs
 * (lostPackets / lossRuns) over the mean run length random loss at the same rate would give,
 * 1 / (1 − Ppl). For a two-state Markov loss process this is G.107's 1 / (p + q).
 * 1 when nothing or everything is lost; never below 1, as G.107 defines no BurstR under random.
 */
export function burstRatio(lossRuns: number, lostPackets: number, packets: number): number {
  if (packets <= 0 || lostPackets <= 0 || lossRuns <= 0 || lostPackets >= packets) return 1;
  const observedRun = lostPackets / lossRuns;
  const randomRun = packets / (packets - lostPackets);
  return Math.max(1, observedRun / randomRun);
}

/**
 * Mouth-to-ear delay that is neither network nor jitter buffer nor packetization:
 * Opus look-ahead 6.5 ms (libopus OPUS_GET_LOOKAHEAD at 48 kHz: 2.5 ms CELT + 4 ms SILK delay
 * compensation) plus one 10 ms WebRTC audio block at capture and one at render. A floor: real
 * devices add OS/hardware buffering on top, which this harness does not measure.
 */
export const deviceDelayMs = 6.5 + 10 + 10;

/** Mouth-to-ear delay: one-way network + playout (jitter) buffer + packetization (ptime) + device. */
export function mouthToEarMs(networkMs: number, playoutBufferMs: number, ptimeMs: number): number {
  return networkMs + playoutBufferMs + ptimeMs + deviceDelayMs;
}
