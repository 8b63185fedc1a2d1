/**
 * `network.backend: kernel`: each werift group's fleet process runs in a network namespace of its
 * own (namespaces.ts) and the group's impairment is kernel rules on its veth pair (kernel-rules.ts).
 * Everything installed is recorded first (install-record.ts) and removed by remove(), which the
 * fleet calls on every way out (end, error, Ctrl-C); a killed run's leftovers are swept at the next
 * start. Losses here come from the kernel's own random numbers: not seeded, unlike userspace.
 */
import { profilesOf, type NetworkPlan } from '../../../core/plan/network-plan.js';
import type { BotPlan } from '../../../core/plan/plan.js';
import { isTraced, type Direction, type ImpairmentProfile, type NetworkProfile } from '../../../core/scenario/network-types.js';
import type { NetworkChange, NetworkControl } from '../../../ports/network-control.js';
import { ProfileStack } from '../profile-stack.js';
import { deleteRecord, ownRecordOwner, removeInstalled, sweepLeftovers, writeRecord, type InstallRecord } from '../../../core/host/install-record.js';
import { netemFeatures, nftScript, qdiscCommands } from './kernel-rules.js';
import { createNamespace, freeBlocks, namespacePlan, natScript, type GroupNamespace } from './namespaces.js';
import { inNamespace, systemCommand } from '../../../core/host/system-command.js';

const userspaceHint = 'or use network.backend: userspace';

function requireRoot(): void {
  if (process.getuid?.() === 0) return;
  throw new Error(`network.backend kernel needs root: it creates network namespaces, veth pairs, nftables tables and qdiscs; run rtcstorm as root, ${userspaceHint}`);
}

async function requireTools(): Promise<void> {
  for (const [tool, args] of [['ip', ['-V']], ['nft', ['--version']], ['tc', ['-V']]] as const) {
    await systemCommand(tool, [...args]).catch(() => {
      throw new Error(`network.backend kernel needs the ${tool} command (Debian: apt-get install iproute2 nftables), ${userspaceHint}`);
    });
  }
}

/** The scenario check keeps traces off this backend (network-checks.ts); one getting here is a bug. */
function fixed(profile: NetworkProfile): ImpairmentProfile {
  if (isTraced(profile)) throw new Error('the kernel backend cannot play a network trace: use backend: userspace');
  return profile;
}

/** Fails with what is missing when a used profile needs sch_netem and the kernel has none; probed on the namespace's own loopback. */
async function requireNetem(plan: NetworkPlan, probeIn: string): Promise<void> {
  const needing = [...plan.usedProfiles].flatMap((name) => {
    const features = netemFeatures(fixed(plan.spec.profiles[name]!));
    return features.length > 0 ? [`profile "${name}" (${features.join(', ')})`] : [];
  });
  if (needing.length === 0) return;
  const probe = ['qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'];
  const missing = await inNamespace(probeIn, 'tc', probe).then(
    () => undefined,
    (error: Error) => error.message,
  );
  if (missing === undefined) {
    await inNamespace(probeIn, 'tc', ['qdisc', 'del', 'dev', 'lo', 'root']);
    return;
  }
  if (!/qdisc kind is unknown/i.test(missing)) throw new Error(`network.backend kernel: trying netem failed: ${missing}`);
  throw new Error(
    `network.backend kernel: ${needing.join('; ')} ${needing.length > 1 ? 'need' : 'needs'} the kernel's netem qdisc (sch_netem), which this kernel lacks ` +
      `(tc: "${missing.split(': ').at(-1)}"); load it (modprobe sch_netem) or use network.backend: userspace, which impairs these in the relay`,
  );
}

export class KernelNetwork implements NetworkControl {
  private readonly stacks = new Map<string, ProfileStack>();
  private readonly groupOfBot = new Map<number, string>();
  /** Server ports cut off, by the partition change that cut them. */
  private readonly partitions = new Map<string, number[]>();

  private constructor(
    private readonly tag: string,
    private readonly record: InstallRecord,
    readonly namespaces: GroupNamespace[],
    plan: NetworkPlan,
    werift: readonly BotPlan[],
  ) {
    for (const ns of namespaces) {
      // Assignments name whole groups here (validation), so any bot of the group tells the group's profiles.
      this.stacks.set(ns.group, new ProfileStack(profilesOf(plan, werift.find((bot) => bot.group === ns.group)?.id ?? -1)));
    }
    for (const bot of werift) this.groupOfBot.set(bot.id, bot.group);
  }

  /** Sets up a namespace per group of `werift` with its assigned impairment; on failure removes what it made and throws. */
  static async start(tag: string, plan: NetworkPlan, werift: readonly BotPlan[]): Promise<KernelNetwork> {
    requireRoot();
    await requireTools();
    const swept = await sweepLeftovers();
    if (swept.remaining.length > 0) throw new Error(`network.backend kernel: cannot remove what a killed run left: ${swept.remaining.join('; ')}`);
    const groups = [...new Set(werift.map((bot) => bot.group))];
    const namespaces = namespacePlan(tag, groups, await freeBlocks(groups.length, parseInt(tag, 16) % 16_384));
    const record: InstallRecord = { owner: ownRecordOwner(), namespaces: namespaces.map((ns) => ns.name), hostLinks: namespaces.map((ns) => ns.hostLink), nftTables: [`ip rtcstorm-${tag}`] };
    writeRecord(tag, record);
    const network = new KernelNetwork(tag, record, namespaces, plan, werift);
    try {
      for (const ns of namespaces) await createNamespace(ns);
      await systemCommand('nft', ['-f', '-'], natScript(`rtcstorm-${tag}`, namespaces));
      await requireNetem(plan, namespaces[0]!.name);
      for (const ns of namespaces) {
        await network.renderRules(ns);
        await network.renderQdiscs(ns);
      }
      return network;
    } catch (error) {
      // What cannot be removed now stays recorded for the next sweep; the first error is the one to tell.
      await network.remove().catch(() => undefined);
      throw error;
    }
  }

  async apply(change: NetworkChange): Promise<void> {
    /** Groups whose profiles changed (rules and qdiscs), and whether the partitions did (rules of every group). */
    const reprofiled = new Set<GroupNamespace>();
    let partitionsChanged = false;
    if (change.kind === 'impair') {
      const groups = new Set(change.bots.map((id) => this.groupOfBot.get(id)));
      for (const ns of this.namespaces.filter((n) => groups.has(n.group))) {
        this.stacks.get(ns.group)!.push(change.id, change.profiles);
        reprofiled.add(ns);
      }
    } else if (change.kind === 'partition') {
      this.partitions.set(change.id, change.ports);
      partitionsChanged = true;
    } else {
      for (const ns of this.namespaces) if (this.stacks.get(ns.group)!.remove(change.id)) reprofiled.add(ns);
      partitionsChanged = this.partitions.delete(change.id);
    }
    for (const ns of this.namespaces) {
      if (reprofiled.has(ns) || partitionsChanged) await this.renderRules(ns);
      if (reprofiled.has(ns)) await this.renderQdiscs(ns);
    }
  }

  private profiles(ns: GroupNamespace): Record<Direction, ImpairmentProfile | null> {
    const stack = this.stacks.get(ns.group)!;
    const effective = (direction: Direction): ImpairmentProfile | null => {
      const profile = stack.effective(direction);
      return profile && fixed(profile);
    };
    return { up: effective('up'), down: effective('down') };
  }

  /** The namespace's nftables table: the group's loss and blackholes, and the partitions. */
  private async renderRules(ns: GroupNamespace): Promise<void> {
    await inNamespace(ns.name, 'nft', ['-f', '-'], nftScript(ns.nsLink, this.profiles(ns), [...new Set([...this.partitions.values()].flat())]));
  }

  /** Both directions' qdiscs, replacing what was there. */
  private async renderQdiscs(ns: GroupNamespace): Promise<void> {
    const { up, down } = this.profiles(ns);
    const inside = (args: string[]): Promise<string> => inNamespace(ns.name, 'tc', args);
    const onHost = (args: string[]): Promise<string> => systemCommand('tc', args);
    for (const [tc, dev, profile] of [[inside, ns.nsLink, up], [onHost, ns.hostLink, down]] as const) {
      // A veth without a qdisc of ours has none to delete: that error is expected.
      await tc(['qdisc', 'del', 'dev', dev, 'root']).catch(() => undefined);
      for (const args of qdiscCommands(dev, profile)) await tc(args);
    }
  }

  /** Removes every namespace, veth and table of this run (idempotent); throws naming what could not be removed. */
  async remove(): Promise<void> {
    const { remaining } = await removeInstalled(this.record);
    if (remaining.length > 0) throw new Error(`network.backend kernel: could not remove ${remaining.join(', ')} (rtcstorm doctor --cleanup retries)`);
    deleteRecord(this.tag);
  }
}
