/**
 * The kernel backend's rules for one bot group's namespace, as text and argument lists (pure, so
 * tests can read them without root). Uplink is the egress of the namespace's veth end, downlink
 * the egress of the host's end:
 * - nftables in the namespace: random loss of RTP only (numgen random, RTP matched by its first
 *   bytes, as the relay does), blackhole, partitions (server ports);
 * - a qdisc per direction: netem for delay, jitter, duplication and Gilbert-Elliott loss (with its
 *   own rate and packet limit), else tbf with a pfifo of `queueLimit` packets for a rate limit.
 */
import type { Direction, ImpairmentProfile } from '../../../core/scenario/network-types.js';

const nftTable = 'rtcstorm';

/** What netem (sch_netem) must do for this profile; empty when tbf and nftables suffice. */
export function netemFeatures(profile: ImpairmentProfile): string[] {
  return [
    ...(profile.delayMs > 0 ? [`delay ${profile.delayMs}ms`] : []),
    ...(profile.jitter ? [`jitter ${profile.jitter.ms}ms`] : []),
    ...(profile.duplicateRatio > 0 ? ['duplication'] : []),
    ...(profile.loss?.kind === 'gilbert-elliott' ? ['Gilbert-Elliott loss'] : []),
  ];
}

const rtpMatch = 'udp length > 19 @th,64,2 2 @th,72,8 != 192-223';
const millionths = (ratio: number): number => Math.round(ratio * 1_000_000);

function chainRules(profile: ImpairmentProfile | null, direction: Direction, partitioned: boolean): string[] {
  const port = direction === 'up' ? 'dport' : 'sport';
  return [
    ...(partitioned ? [`udp ${port} @partitioned drop`] : []),
    ...(profile?.blackhole ? ['drop'] : []),
    ...(profile?.loss?.kind === 'random' ? [`${rtpMatch} numgen random mod 1000000 < ${millionths(profile.loss.ratio)} drop`] : []),
  ];
}

/** One nft batch that replaces the namespace's table atomically. */
export function nftScript(nsLink: string, profiles: Record<Direction, ImpairmentProfile | null>, partitionedPorts: readonly number[]): string {
  const partitioned = partitionedPorts.length > 0;
  const rules = (direction: Direction, match: string): string[] => chainRules(profiles[direction], direction, partitioned).map((rule) => `    ${match} "${nsLink}" ${rule}`);
  return [
    `table inet ${nftTable} {}`,
    `delete table inet ${nftTable}`,
    `table inet ${nftTable} {`,
    `  set partitioned { type inet_service;${partitioned ? ` elements = { ${partitionedPorts.join(', ')} }` : ''} }`,
    '  chain up {',
    '    type filter hook output priority filter; policy accept;',
    ...rules('up', 'oifname'),
    '  }',
    '  chain down {',
    '    type filter hook input priority filter; policy accept;',
    ...rules('down', 'iifname'),
    '  }',
    '}',
    '',
  ].join('\n');
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1e6) / 1e4}%`;
}

function netemArgs(profile: ImpairmentProfile): string[] {
  const { jitter, loss, rate } = profile;
  return [
    'netem',
    'delay',
    `${profile.delayMs}ms`,
    ...(jitter ? [`${jitter.ms}ms`, ...(jitter.distribution === 'uniform' ? [] : ['distribution', jitter.distribution])] : []),
    ...(loss?.kind === 'gilbert-elliott' ? ['loss', 'gemodel', ...[loss.p, loss.r, loss.lossInBad, loss.lossInGood].map(percent)] : []),
    ...(profile.duplicateRatio > 0 ? ['duplicate', percent(profile.duplicateRatio)] : []),
    ...(rate ? ['rate', `${rate.kbps}kbit`, 'limit', String(rate.queueLimit)] : []),
  ];
}

/** tbf needs a bucket of at least one full-size packet; a few ms of the rate above that. */
function burstBytes(kbps: number): number {
  return Math.max(1600, Math.ceil((kbps * 1000) / 8 / 250));
}

/** `tc` argument lists that put the profile on `dev`'s egress, after its root qdisc was deleted. */
export function qdiscCommands(dev: string, profile: ImpairmentProfile | null): string[][] {
  if (!profile) return [];
  const root = ['qdisc', 'add', 'dev', dev, 'root', 'handle', '1:'];
  if (netemFeatures(profile).length > 0) return [[...root, ...netemArgs(profile)]];
  if (!profile.rate) return [];
  const { kbps, queueLimit } = profile.rate;
  return [
    [...root, 'tbf', 'rate', `${kbps}kbit`, 'burst', String(burstBytes(kbps)), 'latency', '1s'],
    ['qdisc', 'add', 'dev', dev, 'parent', '1:1', 'handle', '10:', 'pfifo', 'limit', String(queueLimit)],
  ];
}
