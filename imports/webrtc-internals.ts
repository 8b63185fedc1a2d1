/**
 * `rtcstorm import webrtc-internals`: Chrome's chrome://webrtc-internals dump to a trace (one row a second).
 *
 * The dump (Chromium's webrtc_internals dump creator) is
 * `{ getUserMedia, PeerConnections: { "<pid>-<lid>": { stats: { "<statId>-<field>": { startTime, endTime,
 * statsType, values: "<JSON array as a string>" } }, updateLog, … } }, UserAgent }`: each series is one
 * field of one stats object, sampled once a second (the page's getStats poll) from startTime to endTime.
 */
import { ScenarioError, type ScenarioProblem } from '../core/scenario/errors.js';
import { jsonChild, jsonSource, type TraceRow } from '../core/scenario/trace-file.js';

export interface WebrtcInternalsOptions {
  /** The peer connection's key in PeerConnections; default the one with the most stats. */
  pc?: string;
  /** Inbound RTP of this kind only; default audio and video together. */
  kind?: 'audio' | 'video';
}

export interface WebrtcInternalsImport {
  pc: string;
  /** Every peer connection of the dump with its number of stats series, most first. */
  peerConnections: Array<{ id: string; series: number }>;
  rows: TraceRow[];
  /** What each column was taken from, e.g. `delayMs: candidate-pair CPxx currentRoundTripTime / 2, 58 samples`. */
  notes: string[];
}

interface Series { statsType: string; startMs: number; endMs: number; values: unknown[] }

/** One stats object's series by field name. */
interface StatObject { id: string; statsType: string; fields: Map<string, Series> }

function fail(file: string, problems: ScenarioProblem[]): never {
  throw new ScenarioError(file, problems);
}

/** Reads the dump; a ScenarioError (FILE:LINE:COL: message) when it is not one. */
export function importWebrtcInternals(text: string, file: string, options: WebrtcInternalsOptions = {}): WebrtcInternalsImport {
  let dump: unknown;
  try {
    dump = JSON.parse(text);
  } catch {
    // Positions only when something is wrong: the YAML reader is slower than JSON.parse on a large dump.
    const problems: ScenarioProblem[] = [];
    jsonSource(text, { add: (line, column, message) => problems.push({ path: '', line, column, message }) });
    fail(file, problems.length > 0 ? problems : [{ path: '', message: 'invalid JSON' }]);
  }
  const at = (path: Array<string | number>, message: string): ScenarioProblem => {
    const source = jsonSource(text, { add: () => undefined });
    let node = source?.root;
    for (const segment of path) node = jsonChild(node, segment) ?? node;
    return { path: '', message, ...(source?.at(node) ?? { line: 1, column: 1 }) };
  };
  const peerConnections = isObject(dump) ? dump.PeerConnections : undefined;
  if (!isObject(peerConnections)) {
    fail(file, [at(isObject(dump) && 'PeerConnections' in dump ? ['PeerConnections'] : [], 'not a webrtc-internals dump: expected an object with "PeerConnections" (chrome://webrtc-internals → Create a WebRTC-Internals dump → Download)')]);
  }
  const counted = Object.entries(peerConnections)
    .map(([id, pc]) => ({ id, series: isObject(pc) && isObject(pc.stats) ? Object.keys(pc.stats).length : 0 }))
    .sort((a, b) => b.series - a.series);
  if (counted.length === 0) fail(file, [at(['PeerConnections'], 'the dump has no peer connections (was the call open while chrome://webrtc-internals was?)')]);
  const pcId = options.pc ?? counted[0]!.id;
  const pc = peerConnections[pcId];
  if (pc === undefined) {
    fail(file, [at(['PeerConnections'], `no peer connection "${pcId}" in the dump (it has: ${counted.map((c) => `${c.id} (${c.series} series)`).join(', ')})`)]);
  }
  if (!isObject(pc) || !isObject(pc.stats)) fail(file, [at(['PeerConnections', pcId], `peer connection "${pcId}" has no "stats" object`)]);
  const objects = new Map<string, StatObject>();
  const problems: ScenarioProblem[] = [];
  for (const [key, entry] of Object.entries(pc.stats)) {
    const path = ['PeerConnections', pcId, 'stats', key];
    const series = readSeries(entry);
    if (typeof series === 'string') {
      if (problems.length < 20) problems.push(at(series === 'values' ? [...path, 'values'] : path, `stats "${key}": ${series === 'values' ? 'values must be a JSON array written as a string, e.g. "[1,2,3]"' : 'expected {startTime, endTime, statsType, values}'}`));
      continue;
    }
    const { id, field } = splitKey(key);
    let object = objects.get(id);
    if (object === undefined) objects.set(id, (object = { id, statsType: series.statsType, fields: new Map() }));
    object.fields.set(field, series);
  }
  if (problems.length > 0) fail(file, problems);

  const notes: string[] = [];
  const byType = (type: string): StatObject[] => [...objects.values()].filter((o) => o.statsType === type);
  const t0 = Math.min(...[...objects.values()].filter((o) => ['inbound-rtp', 'candidate-pair', 'remote-inbound-rtp'].includes(o.statsType)).flatMap((o) => [...o.fields.values()].map((s) => s.startMs)));
  const perSecond = (series: Series): Map<number, unknown> => {
    const out = new Map<number, unknown>();
    const step = series.values.length > 1 ? (series.endMs - series.startMs) / (series.values.length - 1) : 0;
    series.values.forEach((value, index) => out.set(Math.round((series.startMs + index * step - t0) / 1000), value));
    return out;
  };

  // delayMs: the selected (else nominated) candidate pair's currentRoundTripTime / 2; else remote-inbound-rtp roundTripTime / 2.
  const delay = new Map<number, number>();
  const pair = selectedPair(byType('transport'), byType('candidate-pair'));
  const pairRtt = pair?.fields.get('currentRoundTripTime');
  if (pair !== undefined && pairRtt !== undefined) {
    for (const [second, value] of perSecond(pairRtt)) if (typeof value === 'number') delay.set(second, (value * 1000) / 2);
    notes.push(`delayMs: candidate-pair ${pair.id} currentRoundTripTime / 2, ${delay.size} samples`);
  } else {
    const remote = byType('remote-inbound-rtp').filter((o) => o.fields.has('roundTripTime'));
    const sums = new Map<number, number[]>();
    for (const object of remote) for (const [second, value] of perSecond(object.fields.get('roundTripTime')!)) if (typeof value === 'number') sums.set(second, [...(sums.get(second) ?? []), value]);
    for (const [second, values] of sums) delay.set(second, (mean(values) * 1000) / 2);
    notes.push(remote.length > 0 ? `delayMs: remote-inbound-rtp ${remote.map((o) => o.id).join(', ')} roundTripTime / 2 (mean), ${delay.size} samples` : 'delayMs: no candidate-pair currentRoundTripTime nor remote-inbound-rtp roundTripTime in the dump: column left empty');
  }

  // loss and jitterMs: inbound-rtp of the kinds asked for.
  const inbound = byType('inbound-rtp').filter((o) => options.kind === undefined || kindOf(o) === options.kind);
  const kinds = options.kind ?? 'audio+video';
  const loss = new Map<number, number>();
  const jitter = new Map<number, number>();
  if (inbound.length > 0) {
    const cumulative = (field: string): Array<Map<number, number>> => inbound.map((o) => numbers(o.fields.get(field), perSecond));
    const lost = cumulative('packetsLost');
    const received = cumulative('packetsReceived');
    const seconds = [...new Set(received.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
    const totalAt = (maps: Array<Map<number, number>>, second: number): number => maps.reduce((sum, m) => sum + carried(m, second), 0);
    for (let i = 1; i < seconds.length; i++) {
      const [before, now] = [seconds[i - 1]!, seconds[i]!];
      const dLost = Math.max(0, totalAt(lost, now) - totalAt(lost, before));
      const dReceived = Math.max(0, totalAt(received, now) - totalAt(received, before));
      if (dLost + dReceived > 0) loss.set(now, dLost / (dLost + dReceived));
    }
    notes.push(`loss: inbound-rtp ${inbound.map((o) => `${o.id} (${kindOf(o) ?? '?'})`).join(', ')} Δ packetsLost / Δ (packetsReceived + packetsLost), ${kinds}, ${loss.size} samples`);
    const jitters = inbound.map((o) => numbers(o.fields.get('jitter'), perSecond));
    for (const second of new Set(jitters.flatMap((m) => [...m.keys()]))) {
      const values = jitters.map((m) => m.get(second)).filter((v): v is number => v !== undefined);
      jitter.set(second, mean(values) * 1000);
    }
    notes.push(`jitterMs: inbound-rtp jitter × 1000 (mean of ${inbound.length} streams), ${jitter.size} samples`);
  } else {
    notes.push(`loss, jitterMs: no inbound-rtp${options.kind ? ` of kind ${options.kind}` : ''} in peer connection ${pcId}: columns left empty`);
  }

  // rateKbps: the pair's availableOutgoingBitrate (the sender's bandwidth estimate), when Chromium gave one.
  const rate = new Map<number, number>();
  const bitrate = pair?.fields.get('availableOutgoingBitrate');
  if (pair !== undefined && bitrate !== undefined) {
    for (const [second, value] of perSecond(bitrate)) if (typeof value === 'number') rate.set(second, value / 1000);
    notes.push(`rateKbps: candidate-pair ${pair.id} availableOutgoingBitrate / 1000, ${rate.size} samples`);
  } else {
    notes.push('rateKbps: no availableOutgoingBitrate in the dump: column left out');
  }

  const all = [...delay.keys(), ...loss.keys(), ...jitter.keys(), ...rate.keys()].filter((s) => s >= 0);
  if (all.length === 0) fail(file, [at(['PeerConnections', pcId, 'stats'], `peer connection ${pcId} has no round-trip time, inbound RTP or bitrate samples to make a trace of`)]);
  const last = Math.max(...all);
  const rows: TraceRow[] = [];
  for (let second = 0; second <= last; second++) {
    rows.push({ tMs: second * 1000, delayMs: delay.get(second), loss: loss.get(second), jitterMs: jitter.get(second), rateKbps: rate.get(second) });
  }
  return { pc: pcId, peerConnections: counted, rows, notes };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A series, or what is wrong with it ('entry' or 'values'). */
function readSeries(entry: unknown): Series | 'entry' | 'values' {
  if (!isObject(entry) || typeof entry.statsType !== 'string' || typeof entry.startTime !== 'string' || typeof entry.endTime !== 'string') return 'entry';
  if (typeof entry.values !== 'string') return 'values';
  let values: unknown;
  try {
    values = JSON.parse(entry.values);
  } catch {
    return 'values';
  }
  const startMs = Date.parse(entry.startTime);
  const endMs = Date.parse(entry.endTime);
  if (!Array.isArray(values) || Number.isNaN(startMs) || Number.isNaN(endMs)) return Array.isArray(values) ? 'entry' : 'values';
  return { statsType: entry.statsType, startMs, endMs, values };
}

/** "<statId>-<field>", where computed fields are bracketed: "CP1-[bytesReceived_in_bits/s]". */
function splitKey(key: string): { id: string; field: string } {
  const bracket = key.indexOf('-[');
  const cut = bracket >= 0 ? bracket : key.lastIndexOf('-');
  return cut < 0 ? { id: key, field: '' } : { id: key.slice(0, cut), field: key.slice(cut + 1) };
}

function kindOf(object: StatObject): string | undefined {
  const values = (object.fields.get('kind') ?? object.fields.get('mediaType'))?.values;
  const kind = values?.[values.length - 1];
  return typeof kind === 'string' ? kind : undefined;
}

/** The pair the transports name most (selectedCandidatePairId), else the nominated, succeeded pair with the most RTT samples. */
function selectedPair(transports: StatObject[], pairs: StatObject[]): StatObject | undefined {
  const votes = new Map<string, number>();
  for (const transport of transports) {
    for (const id of transport.fields.get('selectedCandidatePairId')?.values ?? []) if (typeof id === 'string') votes.set(id, (votes.get(id) ?? 0) + 1);
  }
  const named = [...votes.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => pairs.find((p) => p.id === id)).find((p) => p?.fields.has('currentRoundTripTime'));
  if (named !== undefined) return named;
  const lastOf = (o: StatObject, field: string): unknown => o.fields.get(field)?.values.at(-1);
  return pairs
    .filter((p) => lastOf(p, 'nominated') === true && lastOf(p, 'state') === 'succeeded' && p.fields.has('currentRoundTripTime'))
    .sort((a, b) => b.fields.get('currentRoundTripTime')!.values.length - a.fields.get('currentRoundTripTime')!.values.length)[0];
}

function numbers(series: Series | undefined, perSecond: (s: Series) => Map<number, unknown>): Map<number, number> {
  const out = new Map<number, number>();
  if (series === undefined) return out;
  for (const [second, value] of perSecond(series)) if (typeof value === 'number') out.set(second, value);
  return out;
}

/** A counter's value at `second`: its last sample at or before it (0 before its first). */
function carried(counter: Map<number, number>, second: number): number {
  let value = 0;
  let best = Number.NEGATIVE_INFINITY;
  for (const [at, v] of counter) {
    if (at <= second && at > best) {
      best = at;
      value = v;
    }
  }
  return value;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}
