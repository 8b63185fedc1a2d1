import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../core/paths.js';

/** One file for the whole bench: run.ts writes it, relay.ts adds its `relay` key. */
export const benchJsonFile = join(packageRoot, 'reports', 'bench', 'bench.json');

export function writeBenchJson(content: object): void {
  mkdirSync(dirname(benchJsonFile), { recursive: true });
  writeFileSync(benchJsonFile, `${JSON.stringify(content, null, 2)}\n`);
}
