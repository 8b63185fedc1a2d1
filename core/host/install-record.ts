/**
 * What the kernel backend installs, written down before it is installed (one JSON file per run
 * under the cache dir), so that what a killed run left behind is found and removed: at the next
 * start of a kernel-backend run, and by `rtcstorm doctor --cleanup`. A record whose owner process
 * still runs belongs to a live run and is left alone.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from '../paths.js';
import { startTicks } from '../processes.js';
import { systemCommand } from './system-command.js';

export interface InstallRecord {
  /** The run process: its pid and its start time (clock ticks since boot), so a reused pid is not mistaken for it. */
  owner: { pid: number; startTicks: number };
  namespaces: string[];
  /** Host ends of veth pairs (gone with their namespace, unless the namespace went first). */
  hostLinks: string[];
  /** nftables tables in the host namespace, as "family name". */
  nftTables: string[];
  /** Folders the run made for what it launched (a Janus's configuration, its servers'). */
  folders?: string[];
}

export function recordsDir(): string {
  return join(cacheRoot(), 'network');
}

function recordPath(tag: string): string {
  return join(recordsDir(), `${tag}.json`);
}

export function ownRecordOwner(): InstallRecord['owner'] {
  return { pid: process.pid, startTicks: startTicks(process.pid) ?? 0 };
}

export function writeRecord(tag: string, record: InstallRecord): void {
  mkdirSync(recordsDir(), { recursive: true });
  writeFileSync(recordPath(tag), `${JSON.stringify(record, null, 2)}\n`);
}

/** Adds a folder to the run's record `tag`: removed with the rest when the run is gone. */
export function recordFolder(tag: string, dir: string): void {
  const record = JSON.parse(readFileSync(recordPath(tag), 'utf8')) as InstallRecord;
  writeRecord(tag, { ...record, folders: [...(record.folders ?? []), dir] });
}

export function deleteRecord(tag: string): void {
  rmSync(recordPath(tag), { force: true });
}

interface Installed { what: string; remove: string[]; show: string[] }

function installed(record: InstallRecord): Installed[] {
  return [
    ...record.namespaces.map((name) => ({ what: `network namespace ${name}`, remove: ['ip', 'netns', 'delete', name], show: ['ip', 'netns', 'pids', name] })),
    ...record.hostLinks.map((link) => ({ what: `veth ${link}`, remove: ['ip', 'link', 'delete', link], show: ['ip', 'link', 'show', link] })),
    ...record.nftTables.map((table) => ({ what: `nftables table ${table}`, remove: ['nft', 'delete', 'table', ...table.split(' ')], show: ['nft', 'list', 'table', ...table.split(' ')] })),
    ...(record.folders ?? []).filter((dir) => existsSync(dir)).map((dir) => ({ what: `folder ${dir}`, remove: ['rm', '-rf', '--', dir], show: ['test', '-e', dir] })),
  ];
}

const succeeds = (command: string[]): Promise<boolean> => systemCommand(command[0]!, command.slice(1)).then(() => true, () => false);

/** Removes what a record lists (what is already gone is fine); says what it removed and what is still there. */
export async function removeInstalled(record: InstallRecord): Promise<{ removed: string[]; remaining: string[] }> {
  const removed: string[] = [];
  const remaining: string[] = [];
  // In order: deleting a namespace takes its veth pair and rules with it.
  for (const item of installed(record)) {
    if (await succeeds(item.remove)) removed.push(item.what);
    else if (await succeeds(item.show)) remaining.push(item.what);
  }
  return { removed, remaining };
}

function isAlive(owner: InstallRecord['owner']): boolean {
  return startTicks(owner.pid) === owner.startTicks;
}

/** Records of runs that no longer run, by their run tag. */
export function leftoverRecords(): Map<string, InstallRecord> {
  let files: string[];
  try {
    files = readdirSync(recordsDir()).filter((f) => f.endsWith('.json'));
  } catch {
    return new Map();
  }
  const left = new Map<string, InstallRecord>();
  for (const file of files) {
    const tag = file.slice(0, -'.json'.length);
    try {
      const record = JSON.parse(readFileSync(recordPath(tag), 'utf8')) as InstallRecord;
      if (!isAlive(record.owner)) left.set(tag, record);
    } catch {
      // Unreadable (cut short when written): nothing can be done with it.
      deleteRecord(tag);
    }
  }
  return left;
}

/** Removes everything recorded by runs that no longer run; a record is kept while something it lists remains. */
export async function sweepLeftovers(): Promise<{ removed: string[]; remaining: string[] }> {
  const removed: string[] = [];
  const remaining: string[] = [];
  for (const [tag, record] of leftoverRecords()) {
    const result = await removeInstalled(record);
    const by = ` (left by run ${tag}, pid ${record.owner.pid})`;
    removed.push(...result.removed.map((what) => what + by));
    remaining.push(...result.remaining.map((what) => what + by));
    if (result.remaining.length === 0) deleteRecord(tag);
  }
  return { removed, remaining };
}
