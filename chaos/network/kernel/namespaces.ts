/**
 * One network namespace per werift group, joined to the host by a veth pair on a /30 of
 * 10.250.0.0/16 that nothing else on the host uses. The group's fleet process runs inside it and
 * reaches the target, which listens on the host's loopback, at the host end of the pair (the
 * gateway): an nftables table in the host namespace translates that address to 127.0.0.1 for
 * packets coming in on our veth only (route_localnet is set on that interface alone).
 */
import { writeFileSync } from 'node:fs';
import { systemCommand } from '../../../core/host/system-command.js';

export interface GroupNamespace {
  group: string;
  name: string;
  /** The veth end in the host namespace, and the one in the group's namespace. */
  hostLink: string;
  nsLink: string;
  /** The host end's address: the target as the group's bots dial it. */
  gateway: string;
  /** The namespace end's address. */
  address: string;
}

const blocksIn16 = 16_384;

function blockAddress(block: number, host: 1 | 2): string {
  return `10.250.${block >> 6}.${(block & 63) * 4 + host}`;
}

/** Indices of /30 blocks of 10.250.0.0/16 free on this host, looking from `from` on. */
export async function freeBlocks(count: number, from: number): Promise<number[]> {
  const used = new Set(
    [...(await systemCommand('ip', ['-4', '-o', 'addr', 'show'])).matchAll(/inet 10\.250\.(\d+)\.(\d+)\//g)].map(([, third, fourth]) => Number(third) * 64 + (Number(fourth) >> 2)),
  );
  const free: number[] = [];
  for (let k = 0; k < blocksIn16 && free.length < count; k++) {
    const block = (from + k) % blocksIn16;
    if (!used.has(block)) free.push(block);
  }
  if (free.length < count) throw new Error(`backend kernel: no free /30 left in 10.250.0.0/16 for ${count} namespace(s)`);
  return free;
}

/** Names and addresses (interface names stay within Linux's 15 characters). */
export function namespacePlan(tag: string, groups: readonly string[], blocks: readonly number[]): GroupNamespace[] {
  return groups.map((group, i) => ({
    group,
    name: `rtcstorm-${tag}-${i}`,
    hostLink: `rs${tag}h${i}`,
    nsLink: `rs${tag}n${i}`,
    gateway: blockAddress(blocks[i]!, 1),
    address: blockAddress(blocks[i]!, 2),
  }));
}

export async function createNamespace(ns: GroupNamespace): Promise<void> {
  const ip = (...args: string[]): Promise<string> => systemCommand('ip', args);
  await ip('netns', 'add', ns.name);
  await ip('link', 'add', ns.hostLink, 'type', 'veth', 'peer', 'name', ns.nsLink, 'netns', ns.name);
  await ip('addr', 'add', `${ns.gateway}/30`, 'dev', ns.hostLink);
  writeFileSync(`/proc/sys/net/ipv4/conf/${ns.hostLink}/route_localnet`, '1');
  await ip('link', 'set', ns.hostLink, 'up');
  await ip('-n', ns.name, 'addr', 'add', `${ns.address}/30`, 'dev', ns.nsLink);
  await ip('-n', ns.name, 'link', 'set', ns.nsLink, 'up');
  await ip('-n', ns.name, 'link', 'set', 'lo', 'up');
}

/** The host table translating each gateway to loopback, for packets arriving on its own veth only. */
export function natScript(table: string, namespaces: readonly GroupNamespace[]): string {
  return [
    `table ip ${table} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...namespaces.map((ns) => `    iifname "${ns.hostLink}" ip daddr ${ns.gateway} dnat to 127.0.0.1`),
    '  }',
    '}',
    '',
  ].join('\n');
}
