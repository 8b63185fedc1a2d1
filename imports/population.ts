/**
 * `rtcstorm import population`: a CSV of measured clients (one row each) or regions (percentiles per row)
 * to a `network:` block whose profiles and bot shares reproduce the population's RTT and loss spread.
 */
import { stringify } from 'yaml';
import { ScenarioError, type ScenarioProblem } from '../core/scenario/errors.js';
import { csvLines } from '../core/scenario/trace-file.js';

export interface PopulationOptions {
  /** Profiles to bucket per-client rows into (default 8). */
  profiles?: number;
}

/** One profile as the scenario writes it, and the share of bots that get it. */
export interface PopulationProfile { name: string; share: number; rttMs: number; loss: number; jitterMs: number }

export interface PopulationImport {
  mode: 'clients' | 'regions';
  profiles: PopulationProfile[];
  /** The `network:` block, YAML. */
  yaml: string;
  /** rtt and loss p50/p90: the population's and the assignment's mix. */
  comparison: { population: Quantiles; mix: Quantiles };
  /** The comparison as a table for a terminal. */
  summary: string;
}

export interface Quantiles { rttP50: number; rttP90: number; lossP50: number; lossP90: number }

type Measure = 'rtt' | 'loss' | 'jitter';
type Column = { kind: 'value'; measure: Measure } | { kind: 'percentile'; measure: Measure; p: number } | { kind: 'weight' } | { kind: 'name' };

const defaultProfiles = 8;

function columnOf(header: string): Column | undefined {
  const name = header.toLowerCase();
  if (name === 'rtt' || name === 'rttms') return { kind: 'value', measure: 'rtt' };
  if (name === 'loss') return { kind: 'value', measure: 'loss' };
  if (name === 'jitter' || name === 'jitterms') return { kind: 'value', measure: 'jitter' };
  if (name === 'weight' || name === 'clients' || name === 'count') return { kind: 'weight' };
  if (name === 'name' || name === 'region') return { kind: 'name' };
  const percentile = /^(rtt|rttms|loss|jitter|jitterms)_p(\d{1,2})$/.exec(name);
  if (percentile) return { kind: 'percentile', measure: percentile[1]!.replace(/ms$/, '') as Measure, p: Number(percentile[2]) };
  return undefined;
}

interface Client { rtt: number; loss: number; jitter: number; weight: number }
interface Region { name: string; weight: number; p50: Client; p95?: Client }

export function importPopulation(text: string, file: string, options: PopulationOptions = {}): PopulationImport {
  const problems: ScenarioProblem[] = [];
  const add = (line: number, column: number, message: string): void => void (problems.length < 20 && problems.push({ path: '', line, column, message }));
  const [header, ...body] = csvLines(text);
  if (header === undefined) throw new ScenarioError(file, [{ path: '', line: 1, column: 1, message: 'no header row: name the columns, e.g. rtt,loss,jitter' }]);
  const known = 'rtt/rttMs, loss, jitter/jitterMs, weight/clients/count, name/region, or percentiles such as rtt_p50, loss_p95';
  const cols = header.cells.map((cell) => {
    const column = columnOf(cell.text);
    if (column === undefined) add(header.line, cell.column, `unknown column "${cell.text}" (known: ${known})`);
    return column;
  });
  const regionsMode = cols.some((c) => c?.kind === 'percentile');
  const hasRtt = cols.some((c) => c !== undefined && c.kind !== 'weight' && c.kind !== 'name' && c.measure === 'rtt' && (c.kind === 'value' || c.p === 50));
  if (!hasRtt && problems.length === 0) add(header.line, 1, regionsMode ? 'per-region rows need rtt_p50 (or rtt)' : 'the header needs an rtt column');
  if (problems.length > 0) throw new ScenarioError(file, problems);

  const clients: Client[] = [];
  const regions: Region[] = [];
  for (const line of body) {
    const row: { values: Partial<Record<Measure, number>>; p95: Partial<Record<Measure, number>>; weight: number; name?: string } = { values: {}, p95: {}, weight: 1 };
    line.cells.forEach((cell, index) => {
      const column = cols[index];
      if (column === undefined) {
        if (cell.text !== '') add(line.line, cell.column, `more cells than the header's ${cols.length} columns`);
        return;
      }
      if (column.kind === 'name') {
        row.name = cell.text;
        return;
      }
      if (cell.text === '') return;
      const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(cell.text);
      const n = percent ? Number(percent[1]) / 100 : /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(cell.text) ? Number(cell.text) : Number.NaN;
      if (!Number.isFinite(n)) return add(line.line, cell.column, `not a number (got "${cell.text}")`);
      if (n < 0) return add(line.line, cell.column, `must not be negative (got ${cell.text})`);
      if (column.kind === 'weight') {
        row.weight = n;
        return;
      }
      if (column.measure === 'loss' && n > 1) return add(line.line, cell.column, `loss must be a fraction 0–1 or a percentage such as "2%" (got ${cell.text})`);
      if (column.kind === 'value' || column.p === 50) row.values[column.measure] = n;
      else if (column.p >= 90) row.p95[column.measure] = n;
    });
    if (row.values.rtt === undefined) {
      add(line.line, 1, 'the row has no rtt');
      continue;
    }
    const client: Client = { rtt: row.values.rtt, loss: row.values.loss ?? 0, jitter: row.values.jitter ?? 0, weight: row.weight };
    if (!regionsMode) clients.push(client);
    else {
      const p95 = Object.keys(row.p95).length > 0 ? { rtt: row.p95.rtt ?? client.rtt, loss: row.p95.loss ?? client.loss, jitter: row.p95.jitter ?? client.jitter, weight: 0 } : undefined;
      regions.push({ name: row.name ?? `region-${regions.length + 1}`, weight: row.weight, p50: client, ...(p95 ? { p95 } : {}) });
    }
  }
  if (problems.length === 0 && clients.length + regions.length === 0) add(header.line, 1, 'no rows after the header');
  if (problems.length > 0) throw new ScenarioError(file, problems);

  let groups: Array<Omit<PopulationProfile, 'share'> & { weight: number }>;
  let population: Quantiles;
  if (!regionsMode) {
    const k = Math.max(1, Math.min(options.profiles ?? defaultProfiles, clients.length));
    groups = bucket(clients, k);
    population = quantiles(clients.map((c) => ({ rtt: c.rtt, loss: c.loss, weight: c.weight })), 'exact');
  } else {
    groups = regions.flatMap((region) => {
      const name = profileName(region.name);
      const at = (c: Client): { rttMs: number; loss: number; jitterMs: number } => ({ rttMs: c.rtt, loss: c.loss, jitterMs: c.jitter });
      if (region.p95 === undefined) return [{ name, weight: region.weight, ...at(region.p50) }];
      return [
        { name, weight: region.weight * 0.9, ...at(region.p50) },
        { name: `${name}-p95`, weight: region.weight * 0.1, ...at(region.p95) },
      ];
    });
    // The population as the rows say it: each region's p50 for 90% of it and its p95 for the rest.
    population = quantiles(groups.map((g) => ({ rtt: g.rttMs, loss: g.loss, weight: g.weight })), 'exact');
  }
  const shares = roundShares(groups.map((g) => g.weight));
  const profiles: PopulationProfile[] = groups.map((g, i) => ({ name: g.name, share: shares[i]!, rttMs: g.rttMs, loss: g.loss, jitterMs: g.jitterMs })).filter((p) => p.share > 0);
  const mix = quantiles(profiles.map((p) => ({ rtt: p.rttMs, loss: p.loss, weight: p.share })), regionsMode ? 'exact' : 'groups');
  return { mode: regionsMode ? 'regions' : 'clients', profiles, yaml: networkYaml(profiles), comparison: { population, mix }, summary: summaryTable(population, mix, profiles.length, regionsMode ? regions.length : clients.length) };
}

function profileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 72);
  return cleaned === '' ? 'region' : cleaned;
}

/**
 * Clients sorted by combined badness (rank by RTT + rank by loss) into k groups, each its medians.
 * The groups narrow towards the bad end (group i holds the clients between quantiles √(i/k) and
 * √((i+1)/k)): incidents live in the tail, and equal groups smeared a steep tail's p90.
 */
function bucket(clients: Client[], k: number): Array<Omit<PopulationProfile, 'share'> & { weight: number }> {
  // Combined badness: the mean of a client's rank by RTT and by loss (ties broken by RTT, then loss).
  const rank = (key: (c: Client) => number): Map<Client, number> => new Map([...clients].sort((a, b) => key(a) - key(b)).map((c, i) => [c, i]));
  const byRtt = rank((c) => c.rtt);
  const byLoss = rank((c) => c.loss);
  const badness = (c: Client): number => byRtt.get(c)! + byLoss.get(c)!;
  const sorted = [...clients].sort((a, b) => badness(a) - badness(b) || a.rtt - b.rtt || a.loss - b.loss);
  const total = sorted.reduce((sum, c) => sum + c.weight, 0);
  const groups: Client[][] = Array.from({ length: k }, () => []);
  let cumulative = 0;
  for (const client of sorted) {
    const middle = (cumulative + client.weight / 2) / total;
    const index = Math.min(k - 1, Math.floor(middle * middle * k));
    groups[index]!.push(client);
    cumulative += client.weight;
  }
  return groups
    .filter((g) => g.length > 0)
    .map((group, i) => ({
      name: `pop-${i + 1}`,
      weight: group.reduce((sum, c) => sum + c.weight, 0),
      rttMs: weightedMedian(group.map((c) => [c.rtt, c.weight])),
      loss: weightedMedian(group.map((c) => [c.loss, c.weight])),
      jitterMs: weightedMedian(group.map((c) => [c.jitter, c.weight])),
    }));
}

function weightedMedian(pairs: Array<[number, number]>): number {
  return weightedQuantile(pairs, 0.5, 'exact');
}

/**
 * The q-quantile of weighted values. 'exact': the value where the cumulative weight first reaches q.
 * 'groups': each value stands for a quantile group of its weight, placed at the group's middle
 * (linear between middles): how a mix of K group medians spreads over the population it came from.
 */
function weightedQuantile(pairs: Array<[number, number]>, q: number, reading: 'exact' | 'groups'): number {
  const sorted = pairs.filter(([, w]) => w > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, w]) => sum + w, 0);
  if (sorted.length === 0) return 0;
  if (reading === 'exact') {
    let cumulative = 0;
    for (const [value, weight] of sorted) {
      cumulative += weight;
      if (cumulative >= q * total - 1e-9) return value;
    }
    return sorted[sorted.length - 1]![0];
  }
  let cumulative = 0;
  const middles = sorted.map(([value, weight]) => {
    const middle = (cumulative + weight / 2) / total;
    cumulative += weight;
    return [middle, value] as const;
  });
  if (q <= middles[0]![0]) return middles[0]![1];
  for (let i = 1; i < middles.length; i++) {
    const [m1, v1] = middles[i]!;
    const [m0, v0] = middles[i - 1]!;
    if (q <= m1) return v0 + ((v1 - v0) * (q - m0)) / (m1 - m0);
  }
  return middles[middles.length - 1]![1];
}

function quantiles(items: Array<{ rtt: number; loss: number; weight: number }>, reading: 'exact' | 'groups'): Quantiles {
  const rtt = items.map((i): [number, number] => [i.rtt, i.weight]);
  const loss = items.map((i): [number, number] => [i.loss, i.weight]);
  return { rttP50: weightedQuantile(rtt, 0.5, reading), rttP90: weightedQuantile(rtt, 0.9, reading), lossP50: weightedQuantile(loss, 0.5, reading), lossP90: weightedQuantile(loss, 0.9, reading) };
}

/** Shares in 0.1% steps summing to 100% (largest remainders). */
function roundShares(weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total > 0 ? (w / total) * 1000 : 0));
  const units = exact.map(Math.floor);
  let left = 1000 - units.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left <= 0) break;
    units[i]! += 1;
    left -= 1;
  }
  return units.map((u) => u / 1000);
}

const trim = (n: number, digits: number): number => Number(n.toFixed(digits));

function networkYaml(profiles: PopulationProfile[]): string {
  const network = {
    network: {
      profiles: Object.fromEntries(
        profiles.map((p) => {
          const profile: Record<string, string | number> = { delay: `${trim(p.rttMs / 2, 1)}ms` };
          if (p.loss > 0) profile.loss = `${trim(p.loss * 100, 2)}%`;
          if (p.jitterMs > 0) Object.assign(profile, { jitter: `${trim(p.jitterMs, 1)}ms`, distribution: 'uniform' });
          return [p.name, profile];
        }),
      ),
      assign: profiles.map((p) => ({ bots: `${trim(p.share * 100, 1)}%`, profile: p.name, direction: 'both' })),
    },
  };
  return stringify(network);
}

function summaryTable(population: Quantiles, mix: Quantiles, profiles: number, rows: number): string {
  const line = (name: string, a: number, b: number, unit: 'ms' | '%'): string => {
    const show = (n: number): string => (unit === 'ms' ? `${trim(n, 1)} ms` : `${trim(n * 100, 2)}%`);
    const off = a === 0 ? (b === 0 ? '0%' : 'n/a') : `${trim(((b - a) / a) * 100, 1)}%`;
    return `${name.padEnd(9)} ${show(a).padStart(12)} ${show(b).padStart(12)} ${off.padStart(8)}`;
  };
  return [
    `${rows} rows → ${profiles} profiles`,
    `${'metric'.padEnd(9)} ${'population'.padStart(12)} ${'mix'.padStart(12)} ${'off by'.padStart(8)}`,
    line('rtt p50', population.rttP50, mix.rttP50, 'ms'),
    line('rtt p90', population.rttP90, mix.rttP90, 'ms'),
    line('loss p50', population.lossP50, mix.lossP50, '%'),
    line('loss p90', population.lossP90, mix.lossP90, '%'),
  ].join('\n');
}
