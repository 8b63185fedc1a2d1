/**
 * Network trace files (`network.profiles.<name>.trace`): rtcstorm's CSV and JSON, AlphaRTC/OpenNetLab
 * trace_pattern JSON and Mahimahi delivery-opportunity traces, read into trace intervals. Pure: text in,
 * intervals or every problem (1-based line and column) out. docs/traces-and-imports.md.
 */
import { LineCounter, isMap, isNode, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import type { ImpairmentProfile, JitterDistribution, LossModel, TraceFormat, TraceInterval } from './network-types.js';

export interface TraceFileOptions {
  /** Else detected from the name (and, for .json, the content). */
  format?: TraceFormat;
  /** Applied to every row's jitter (default uniform). */
  distribution?: JitterDistribution;
  /** Applied to every row's rate (default 100). */
  queueLimit?: number;
  /** AlphaRTC: which pattern; default the one that has entries. */
  part?: 'uplink' | 'downlink';
  /** Overrides the pass length. */
  lengthMs?: number;
}

export interface TraceFileProblem { line: number; column: number; message: string }

export type ParsedTraceFile =
  | { ok: true; format: TraceFormat; intervals: TraceInterval[]; lengthMs: number }
  | { ok: false; problems: TraceFileProblem[] };

/** One row of rtcstorm's CSV as the import commands write it. */
export interface TraceRow { tMs: number; loss?: number; delayMs?: number; jitterMs?: number; rateKbps?: number; duplicate?: number }

const maxProblems = 20;
const defaultQueueLimit = 100;
const mahimahiPacketBits = 1500 * 8;
const mahimahiBinMs = 1000;

/** A trace's column (CSV) or field (JSON) and how its value is read. */
const columns = {
  t: 'seconds',
  loss: 'fraction',
  delayMs: 'amount',
  jitterMs: 'amount',
  rateKbps: 'amount',
  duplicate: 'fraction',
  p: 'fraction',
  r: 'fraction',
  '1-h': 'fraction',
  '1-k': 'fraction',
} as const;
type Column = keyof typeof columns;
const columnNames = Object.keys(columns) as Column[];
const columnByLowerName = new Map(columnNames.map((name) => [name.toLowerCase(), name]));

/** A value as written, with where. */
interface Cell { value: string | number | null; line: number; column: number }

class Problems {
  readonly list: TraceFileProblem[] = [];
  add(line: number, column: number, message: string): void {
    if (this.list.length < maxProblems) this.list.push({ line, column, message });
    else if (this.list.length === maxProblems) this.list.push({ line, column, message: `more problems after these ${maxProblems}: fix these first` });
  }
  get full(): boolean {
    return this.list.length > maxProblems;
  }
}

export function parseTraceFile(text: string, fileName: string, options: TraceFileOptions = {}): ParsedTraceFile {
  const problems = new Problems();
  const format = options.format ?? detectFormat(text, fileName);
  if (format === undefined) {
    return { ok: false, problems: [{ line: 1, column: 1, message: `cannot tell the trace format from the name "${fileName}": give format: csv, json, alphartc or mahimahi` }] };
  }
  let read: { intervals: TraceInterval[]; lengthMs: number } | undefined;
  const settings = { distribution: options.distribution ?? 'uniform', queueLimit: options.queueLimit ?? defaultQueueLimit };
  switch (format) {
    case 'csv':
      read = readRows(csvRows(text, problems), settings, problems);
      break;
    case 'json': {
      const source = jsonSource(text, problems);
      read = source === undefined ? undefined : readJsonTrace(source, settings, problems);
      break;
    }
    case 'alphartc': {
      const source = jsonSource(text, problems);
      read = source === undefined ? undefined : readAlphaRtc(source, options.part, settings, problems);
      break;
    }
    case 'mahimahi':
      read = readMahimahi(text, settings.queueLimit, problems);
      break;
  }
  if (read !== undefined && options.lengthMs !== undefined) {
    const last = read.intervals[read.intervals.length - 1];
    if (!(options.lengthMs > 0)) problems.add(1, 1, `the pass length must be longer than 0 ms (got ${options.lengthMs})`);
    else if (last !== undefined && last.atMs >= options.lengthMs) problems.add(1, 1, `the pass length (${options.lengthMs} ms) ends before the last row starts (at ${last.atMs} ms)`);
    read.lengthMs = options.lengthMs;
  }
  if (problems.list.length > 0 || read === undefined) return { ok: false, problems: problems.list };
  return { ok: true, format, intervals: read.intervals, lengthMs: read.lengthMs };
}

function detectFormat(text: string, fileName: string): TraceFormat | undefined {
  const name = fileName.toLowerCase();
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.up') || name.endsWith('.down') || name.endsWith('.mahimahi')) return 'mahimahi';
  if (!name.endsWith('.json')) return undefined;
  // AlphaRTC's files say trace_pattern under uplink or downlink; rtcstorm's never do.
  return /"(uplink|downlink)"\s*:\s*\{[^]*"trace_pattern"/.test(text) ? 'alphartc' : 'json';
}

// ---------------------------------------------------------------------------------------------
// Rows (CSV and JSON share them)

interface Settings { distribution: JitterDistribution; queueLimit: number }

/** One row's cells by column, and where the row is (for problems about the whole row). */
interface RawRow { cells: Map<Column, Cell>; line: number; column: number }

const percentText = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*%$/;
const numberText = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A cell's number (fractions: "10%" or 0.1), undefined when empty, a problem when bad. */
function cellNumber(name: Column, cell: Cell | undefined, problems: Problems): number | undefined {
  if (cell === undefined || cell.value === null) return undefined;
  const kind = columns[name];
  let n: number;
  let written: string;
  if (typeof cell.value === 'number') {
    n = cell.value;
    written = String(cell.value);
  } else {
    written = cell.value.trim();
    if (written === '') return undefined;
    const percent = kind === 'fraction' ? percentText.exec(written) : null;
    if (percent) n = Number(percent[1]) / 100;
    else if (numberText.test(written)) n = Number(written);
    else {
      problems.add(cell.line, cell.column, `${name}: not a number (got "${written}")${kind === 'fraction' ? ': write a fraction such as 0.02 or a percentage such as "2%"' : ''}`);
      return undefined;
    }
  }
  if (!Number.isFinite(n)) {
    problems.add(cell.line, cell.column, `${name}: not a finite number (got ${written})`);
    return undefined;
  }
  if (n < 0) {
    problems.add(cell.line, cell.column, `${name}: must not be negative (got ${written})`);
    return undefined;
  }
  if (kind === 'fraction' && n > 1) {
    problems.add(cell.line, cell.column, `${name}: must be a fraction from 0 to 1 or a percentage from 0% to 100% (got ${written})`);
    return undefined;
  }
  return n;
}

function readRows(rows: RawRow[] | undefined, settings: Settings, problems: Problems, lengthS?: { value: number; line: number; column: number }): { intervals: TraceInterval[]; lengthMs: number } | undefined {
  if (rows === undefined) return undefined;
  const intervals: TraceInterval[] = [];
  let previousT: number | undefined;
  for (const row of rows) {
    if (problems.full) break;
    const value = (name: Column): number | undefined => cellNumber(name, row.cells.get(name), problems);
    const tCell = row.cells.get('t');
    const t = value('t');
    if (t === undefined) {
      if (tCell === undefined || tCell.value === null || (typeof tCell.value === 'string' && tCell.value.trim() === '')) {
        problems.add(tCell?.line ?? row.line, tCell?.column ?? row.column, 't: every row needs its time (seconds from the trace\'s start)');
      }
    } else if (previousT === undefined && t !== 0) {
      problems.add(tCell!.line, tCell!.column, `t: the first row must be at 0 (got ${t})`);
    } else if (previousT !== undefined && t <= previousT) {
      problems.add(tCell!.line, tCell!.column, `t: must be later than the row before (${previousT} s; got ${t} s)`);
    }
    if (t !== undefined) previousT = t;
    const loss = value('loss');
    const p = value('p');
    const r = value('r');
    const lossInBad = value('1-h');
    const lossInGood = value('1-k');
    const where = (name: Column): Cell => row.cells.get(name) ?? { value: null, line: row.line, column: row.column };
    let lossModel: LossModel | null = loss === undefined || loss === 0 ? null : { kind: 'random', ratio: loss };
    if (p !== undefined || r !== undefined) {
      if (p === undefined || r === undefined) {
        const given = p === undefined ? 'r' : 'p';
        problems.add(where(given).line, where(given).column, `${given}: Gilbert-Elliott loss needs p and r together (p = P(good → bad), r = P(bad → good))`);
      } else if (r === 0) {
        problems.add(where('r').line, where('r').column, 'r: must be greater than 0: with r = 0 the bad state never ends');
      } else if (loss !== undefined) {
        problems.add(where('loss').line, where('loss').column, 'loss: leave it empty in a row with Gilbert-Elliott p and r (they are the loss model)');
      } else {
        lossModel = { kind: 'gilbert-elliott', p, r, lossInBad: lossInBad ?? 1, lossInGood: lossInGood ?? 0 };
      }
    } else {
      for (const name of ['1-h', '1-k'] as const) {
        if ((name === '1-h' ? lossInBad : lossInGood) !== undefined) problems.add(where(name).line, where(name).column, `${name}: only applies together with p and r`);
      }
    }
    const delayMs = value('delayMs') ?? 0;
    const jitterMs = value('jitterMs') ?? 0;
    const rateKbps = value('rateKbps') ?? 0;
    const duplicateRatio = value('duplicate') ?? 0;
    const profile: ImpairmentProfile = {
      loss: lossModel,
      delayMs,
      jitter: jitterMs > 0 ? { ms: jitterMs, distribution: settings.distribution, reorder: false } : null,
      duplicateRatio,
      rate: rateKbps > 0 ? { kbps: rateKbps, queueLimit: settings.queueLimit } : null,
      blackhole: false,
    };
    intervals.push({ atMs: Math.round((t ?? 0) * 1000), profile: isClean(profile) ? null : profile });
  }
  if (rows.length === 0 && !problems.full) problems.add(1, 1, 'the trace has no rows');
  const last = intervals[intervals.length - 1];
  const beforeLast = intervals[intervals.length - 2];
  let lengthMs = last === undefined ? 0 : last.atMs + (beforeLast === undefined ? 1000 : last.atMs - beforeLast.atMs);
  if (lengthS !== undefined) {
    lengthMs = Math.round(lengthS.value * 1000);
    if (last !== undefined && lengthMs <= last.atMs) problems.add(lengthS.line, lengthS.column, `lengthS: must be later than the last row (at ${last.atMs / 1000} s; got ${lengthS.value})`);
  }
  return { intervals, lengthMs };
}

function isClean(profile: ImpairmentProfile): boolean {
  return profile.loss === null && profile.delayMs === 0 && profile.jitter === null && profile.duplicateRatio === 0 && profile.rate === null && !profile.blackhole;
}

// ---------------------------------------------------------------------------------------------
// CSV

interface CsvLine { line: number; cells: Array<{ text: string; column: number }> }

/** Lines with their cells (column of each cell's first non-blank character); blank and # lines left out. */
export function csvLines(text: string): CsvLine[] {
  const lines: CsvLine[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const cells: CsvLine['cells'] = [];
    let start = 0;
    for (const piece of raw.split(',')) {
      const lead = piece.length - piece.trimStart().length;
      cells.push({ text: piece.trim(), column: start + (piece.trim() === '' ? 0 : lead) + 1 });
      start += piece.length + 1;
    }
    lines.push({ line: index + 1, cells });
  });
  return lines;
}

function csvRows(text: string, problems: Problems): RawRow[] | undefined {
  const [header, ...body] = csvLines(text);
  if (header === undefined) {
    problems.add(1, 1, `the trace has no header row: name its columns, e.g. t,loss,delayMs (known: ${columnNames.join(', ')})`);
    return undefined;
  }
  const names: Array<Column | undefined> = [];
  for (const cell of header.cells) {
    const name = columnByLowerName.get(cell.text.toLowerCase());
    if (name === undefined) problems.add(header.line, cell.column, `unknown column "${cell.text}" (known: ${columnNames.join(', ')})`);
    else if (names.includes(name)) problems.add(header.line, cell.column, `column "${cell.text}" appears twice`);
    names.push(name);
  }
  if (!names.includes('t')) problems.add(header.line, 1, 'the header has no t column (seconds from the trace\'s start)');
  if (problems.list.length > 0) return undefined;
  return body.map((line) => {
    const cells = new Map<Column, Cell>();
    line.cells.forEach((cell, index) => {
      const name = names[index];
      if (name === undefined) {
        if (cell.text !== '') problems.add(line.line, cell.column, `more cells than the header's ${names.length} columns`);
        return;
      }
      cells.set(name, { value: cell.text, line: line.line, column: cell.column });
    });
    return { cells, line: line.line, column: 1 };
  });
}

/** rtcstorm's CSV for these rows: the columns any row has, t in seconds. */
export function formatTraceCsv(rows: TraceRow[]): string {
  const fields = ['loss', 'delayMs', 'jitterMs', 'rateKbps', 'duplicate'] as const;
  const used = fields.filter((field) => rows.some((row) => row[field] !== undefined));
  const digits: Record<(typeof fields)[number], number> = { loss: 4, delayMs: 1, jitterMs: 1, rateKbps: 1, duplicate: 4 };
  const lines = [['t', ...used].join(',')];
  for (const row of rows) {
    const cells = used.map((field) => {
      const value = row[field];
      return value === undefined ? '' : String(Number(value.toFixed(digits[field])));
    });
    lines.push([String(Number((row.tMs / 1000).toFixed(3))), ...cells].join(','));
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// JSON (rtcstorm's and AlphaRTC's), read with positions

/** JSON text with a way to the line and column of any node. */
export interface JsonSource { doc: Document.Parsed; root: Node | undefined; at(node: Node | undefined): { line: number; column: number } }

/** Reads JSON (as YAML, its superset, for node positions); syntax problems are added, and undefined returned. */
export function jsonSource(text: string, problems: { add(line: number, column: number, message: string): void }): JsonSource | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const at = (node: Node | undefined): { line: number; column: number } => {
    const offset = node?.range?.[0];
    if (offset === undefined) return { line: 1, column: 1 };
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  try {
    JSON.parse(text);
  } catch (error) {
    // JSON.parse names the offset ("at position N"); YAML would accept some of what JSON does not.
    const position = /position (\d+)/.exec((error as Error).message);
    const yamlError = doc.errors[0];
    const offset = position ? Number(position[1]) : yamlError?.pos[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    problems.add(line, col, `invalid JSON: ${(error as Error).message.replace(/ in JSON at position \d+.*$/, '')}`);
    return undefined;
  }
  return { doc, root: doc.contents ?? undefined, at };
}

/** The value at `key` of a JSON object node. */
export function jsonChild(node: Node | undefined, key: string | number): Node | undefined {
  if (isSeq(node) && typeof key === 'number') {
    const item: unknown = node.items[key];
    return isNode(item) ? item : undefined;
  }
  if (!isMap(node)) return undefined;
  const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
  return pair !== undefined && isNode(pair.value) ? pair.value : undefined;
}

function readJsonTrace(source: JsonSource, settings: Settings, problems: Problems): { intervals: TraceInterval[]; lengthMs: number } | undefined {
  const root = source.root;
  let rowsNode: Node | undefined = root;
  let lengthS: { value: number; line: number; column: number } | undefined;
  if (isMap(root)) {
    for (const pair of root.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (key !== 'rows' && key !== 'lengthS') problems.add(source.at(pair.key as Node).line, source.at(pair.key as Node).column, `unknown key "${key}" (known: rows, lengthS)`);
    }
    rowsNode = jsonChild(root, 'rows');
    const lengthNode = jsonChild(root, 'lengthS');
    if (lengthNode !== undefined) {
      const value: unknown = isScalar(lengthNode) ? lengthNode.value : undefined;
      if (typeof value !== 'number' || !(value > 0)) problems.add(source.at(lengthNode).line, source.at(lengthNode).column, `lengthS: must be a number of seconds greater than 0`);
      else lengthS = { value, ...source.at(lengthNode) };
    }
    if (rowsNode === undefined) problems.add(source.at(root).line, source.at(root).column, 'the trace needs "rows": a list of {"t": seconds, "loss": …, "delayMs": …}');
  }
  if (!isSeq(rowsNode)) {
    if (!isMap(root) || rowsNode !== undefined) problems.add(source.at(rowsNode).line, source.at(rowsNode).column, 'rows: must be a list of rows such as {"t": 0, "loss": 0.02, "delayMs": 40}');
    return undefined;
  }
  const rows: RawRow[] = [];
  for (const item of rowsNode.items) {
    const node = isNode(item) ? item : undefined;
    const where = source.at(node);
    if (!isMap(node)) {
      problems.add(where.line, where.column, 'each row must be an object such as {"t": 0, "loss": 0.02}');
      continue;
    }
    const cells = new Map<Column, Cell>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? String(keyNode.value) : '';
      const name = columnNames.includes(key as Column) ? (key as Column) : undefined;
      if (name === undefined) {
        problems.add(source.at(keyNode).line, source.at(keyNode).column, `unknown field "${key}" (known: ${columnNames.join(', ')})`);
        continue;
      }
      const valueNode = isNode(pair.value) ? pair.value : undefined;
      const value: unknown = isScalar(valueNode) ? valueNode.value : undefined;
      const at = source.at(valueNode ?? keyNode);
      if (value !== null && typeof value !== 'number' && typeof value !== 'string') {
        problems.add(at.line, at.column, `${name}: must be a number, a percentage string or null`);
        continue;
      }
      cells.set(name, { value, ...at });
    }
    rows.push({ cells, ...where });
  }
  return readRows(rows, settings, problems, lengthS);
}

// ---------------------------------------------------------------------------------------------
// AlphaRTC / OpenNetLab: {"uplink": {"trace_pattern": [{"duration": ms, "capacity": kbps, "loss": 0–1, "rtt": ms, "jitter": ms}]}, "downlink": {…}}

function readAlphaRtc(source: JsonSource, part: 'uplink' | 'downlink' | undefined, settings: Settings, problems: Problems): { intervals: TraceInterval[]; lengthMs: number } | undefined {
  const patternOf = (side: 'uplink' | 'downlink'): Node | undefined => jsonChild(jsonChild(source.root, side), 'trace_pattern');
  const sizeOf = (node: Node | undefined): number => (isSeq(node) ? node.items.length : 0);
  let side = part;
  if (side === undefined) {
    const up = sizeOf(patternOf('uplink'));
    const down = sizeOf(patternOf('downlink'));
    if (up > 0 && down > 0) {
      problems.add(1, 1, 'the trace has both an uplink and a downlink trace_pattern: say which with part: uplink or part: downlink');
      return undefined;
    }
    side = down > 0 ? 'downlink' : 'uplink';
  }
  const pattern = patternOf(side);
  if (!isSeq(pattern) || pattern.items.length === 0) {
    const where = source.at(pattern ?? jsonChild(source.root, side) ?? source.root);
    problems.add(where.line, where.column, `${side}.trace_pattern: must be a non-empty list of {"duration": ms, "capacity": kbps, "loss", "rtt", "jitter"}`);
    return undefined;
  }
  const intervals: TraceInterval[] = [];
  let atMs = 0;
  for (const item of pattern.items) {
    if (problems.full) break;
    const node = isNode(item) ? item : undefined;
    if (!isMap(node)) {
      const where = source.at(node);
      problems.add(where.line, where.column, 'each trace_pattern entry must be an object');
      continue;
    }
    const field = (name: string, required: boolean, max?: number): number | undefined => {
      const valueNode = jsonChild(node, name);
      if (valueNode === undefined) {
        if (required) problems.add(source.at(node).line, source.at(node).column, `${name}: every entry needs it`);
        return undefined;
      }
      const value: unknown = isScalar(valueNode) ? valueNode.value : undefined;
      const where = source.at(valueNode);
      if (typeof value !== 'number' || !Number.isFinite(value)) problems.add(where.line, where.column, `${name}: must be a number (got ${JSON.stringify(value) ?? 'an object'})`);
      else if (value < 0) problems.add(where.line, where.column, `${name}: must not be negative (got ${value})`);
      else if (max !== undefined && value > max) problems.add(where.line, where.column, `${name}: must be a fraction from 0 to 1 (got ${value})`);
      else return value;
      return undefined;
    };
    const duration = field('duration', true);
    const capacity = field('capacity', false);
    const loss = field('loss', false, 1);
    const rtt = field('rtt', false);
    const jitter = field('jitter', false);
    if (duration === 0) problems.add(source.at(jsonChild(node, 'duration')).line, source.at(jsonChild(node, 'duration')).column, 'duration: must be longer than 0 ms');
    const profile: ImpairmentProfile = {
      loss: loss === undefined || loss === 0 ? null : { kind: 'random', ratio: loss },
      delayMs: (rtt ?? 0) / 2,
      jitter: jitter !== undefined && jitter > 0 ? { ms: jitter, distribution: settings.distribution, reorder: false } : null,
      duplicateRatio: 0,
      rate: capacity !== undefined && capacity > 0 ? { kbps: capacity, queueLimit: settings.queueLimit } : null,
      // No capacity at all: nothing gets through.
      blackhole: capacity === 0,
    };
    intervals.push({ atMs: Math.round(atMs), profile: isClean(profile) ? null : profile });
    atMs += duration ?? 0;
  }
  return { intervals: mergeSameStart(intervals), lengthMs: Math.round(atMs) };
}

/** Entries shorter than 1 ms round onto the next one's start: the later wins. */
function mergeSameStart(intervals: TraceInterval[]): TraceInterval[] {
  const merged: TraceInterval[] = [];
  for (const interval of intervals) {
    if (merged.length > 0 && merged[merged.length - 1]!.atMs === interval.atMs) merged[merged.length - 1] = interval;
    else merged.push(interval);
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------
// Mahimahi: one delivery opportunity (a 1500-byte packet) per line, at that millisecond; the file loops at its last.

function readMahimahi(text: string, queueLimit: number, problems: Problems): { intervals: TraceInterval[]; lengthMs: number } | undefined {
  const counts: number[] = [];
  let previous = -1;
  let last = -1;
  text.split(/\r?\n/).forEach((raw, index) => {
    const written = raw.trim();
    if (written === '') return;
    const column = raw.length - raw.trimStart().length + 1;
    if (!/^\d+$/.test(written)) {
      problems.add(index + 1, column, `not a whole number of milliseconds (got "${written}")`);
      return;
    }
    const ms = Number(written);
    if (ms < previous) {
      problems.add(index + 1, column, `must not be earlier than the line before (${previous} ms; got ${ms})`);
      return;
    }
    previous = ms;
    last = ms;
    const bin = Math.floor(ms / mahimahiBinMs);
    counts[bin] = (counts[bin] ?? 0) + 1;
  });
  if (last < 0) {
    if (problems.list.length === 0) problems.add(1, 1, 'the trace has no delivery opportunities (one millisecond per line)');
    return undefined;
  }
  const lengthMs = Math.max(1, Math.ceil(last / mahimahiBinMs)) * mahimahiBinMs;
  const intervals: TraceInterval[] = [];
  for (let bin = 0; bin * mahimahiBinMs < lengthMs; bin++) {
    const packets = counts[bin] ?? 0;
    const kbps = (packets * mahimahiPacketBits) / mahimahiBinMs;
    const profile: ImpairmentProfile = { loss: null, delayMs: 0, jitter: null, duplicateRatio: 0, rate: kbps > 0 ? { kbps, queueLimit } : null, blackhole: kbps === 0 };
    intervals.push({ atMs: bin * mahimahiBinMs, profile });
  }
  return { intervals, lengthMs };
}
