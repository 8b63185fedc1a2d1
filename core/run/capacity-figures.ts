/**
 * The costs the capacity pre-check uses: those `npm run bench` measured on this machine (kept in
 * the cache dir, with the machine they were measured on), else conservative defaults.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { CapacityFigures, MachineFacts } from '../plan/capacity.js';
import { cacheRoot } from '../paths.js';

/**
 * A little above what the bench gives on a 2-core VM (docs/harness-validity.md, "Capacity
 * pre-check"), so a machine slower than that is not promised more than it holds.
 */
export const defaultCapacityFigures: CapacityFigures = {
  loaderPacketUs: 25,
  sfuPacketUs: 25,
  botSecondUs: 250,
  joinsPerCoreSecond: 100,
  botMB: 0.5,
  browserPageCores: 0.35,
  browserPageMB: 150,
  source: 'built-in defaults; `npm run bench` measures this machine',
};

interface StoredFigures { machine: { cores: number; cpuModel: string }; measuredAt: string; figures: Omit<CapacityFigures, 'source'> }

function figuresFile(): string {
  return join(cacheRoot(), 'capacity.json');
}

function thisMachine(): { cores: number; cpuModel: string } {
  return { cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown' };
}

export function machineFacts(): MachineFacts {
  return { cores: cpus().length, memoryMB: totalmem() / 2 ** 20 };
}

/** Written by the bench: per-unit costs it measured. */
export function writeCapacityFigures(figures: Partial<Omit<CapacityFigures, 'source'>>): void {
  // Without the defaults' `source` line: the file's figures are measured, and the reader names its own source.
  const { source: _defaultsSource, ...defaults } = defaultCapacityFigures;
  const stored: StoredFigures = { machine: thisMachine(), measuredAt: new Date().toISOString(), figures: { ...defaults, ...figures } };
  mkdirSync(cacheRoot(), { recursive: true });
  writeFileSync(figuresFile(), `${JSON.stringify(stored, null, 2)}\n`);
}

type Measured = Omit<CapacityFigures, 'source'>;

/** The bench's figures when they were measured on a machine like this one, else the defaults; a figure that is not a positive number (a noisy bench) is the default's. */
export function capacityFigures(): CapacityFigures {
  try {
    const stored = JSON.parse(readFileSync(figuresFile(), 'utf8')) as StoredFigures;
    const machine = thisMachine();
    if (stored.machine.cores !== machine.cores || stored.machine.cpuModel !== machine.cpuModel) return defaultCapacityFigures;
    const figures: Measured = { ...defaultCapacityFigures };
    const refused: string[] = [];
    for (const key of Object.keys(figures) as Array<keyof Measured | 'source'>) {
      if (key === 'source') continue;
      const value = (stored.figures as Partial<Record<keyof Measured, unknown>>)[key];
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) figures[key] = value;
      else if (value !== undefined) refused.push(key);
    }
    const source = `measured by npm run bench on this machine, ${stored.measuredAt.slice(0, 10)}`;
    return { ...figures, source: refused.length > 0 ? `${source} (built-in defaults for ${refused.join(', ')}: not positive numbers there)` : source };
  } catch {
    return defaultCapacityFigures;
  }
}
