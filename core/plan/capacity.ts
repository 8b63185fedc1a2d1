/**
 * Before anything starts: what the plan asks of this machine (CPU for the bots' packets, their
 * joins and the browsers; with the bundled target, the SFU's too; memory) against what it has. A
 * rough, deliberately simple model: it tells a plan that cannot run here from one that may, and
 * a plan near the limit from one well within; the harness checks during the run decide the rest.
 */
import type { Scenario, TalkSpec } from '../scenario/index.js';
import type { BotPlan, RunPlan } from './plan.js';

/** Per-unit costs: measured by `npm run bench` on this machine, or conservative defaults. */
export interface CapacityFigures {
  /** Loader CPU per media packet a werift bot sends or receives, µs. */
  loaderPacketUs: number;
  /** Bundled SFU CPU per packet in or out, µs. */
  sfuPacketUs: number;
  /** Loader CPU per werift bot and second beyond its packets (timers, stats, consent checks), µs. */
  botSecondUs: number;
  /** Peer connections joined per loader CPU second. */
  joinsPerCoreSecond: number;
  /** Memory per werift bot, MB. */
  botMB: number;
  /** CPU of one Chromium page, in cores, and its memory, MB. */
  browserPageCores: number;
  browserPageMB: number;
  /** Where the figures come from, for the message. */
  source: string;
}

export interface MachineFacts { cores: number; memoryMB: number }

export type CapacityVerdict = 'fits' | 'near' | 'beyond';

export interface CapacityEstimate {
  verdict: CapacityVerdict;
  /** Cores the plan needs at its peak, and the cores the harness limits let it use here. */
  neededCores: number;
  usableCores: number;
  neededMB: number;
  usableMB: number;
  /** Media packets per second, sent and received, once every bot is in. */
  packetsPerSecond: number;
  /** Peer connections per second while the fastest group ramps up. */
  joinsPerSecond: number;
  /** Machines like this one the plan needs, for the shard hint. */
  machines: number;
  figures: CapacityFigures;
}

/** Needed over usable past this: refused unless forced. Above `nearRatio`: a warning. */
export const beyondRatio = 3;
export const nearRatio = 0.8;
/** Memory of a fleet process before its bots. */
const fleetProcessMB = 80;
/** A comfort-noise packet every 400 ms in a DTX pause; P.59 talks 38.7% of the time. */
const dtxPacketsPerSecond = 2.5;
const p59TalkShare = 1004 / (1004 + 1587);

/** Media packets a bot sends per second, on average over a long run. */
export function packetsPerSecondOf(talk: TalkSpec, ptimeMs: number): number {
  const speech = 1000 / ptimeMs;
  if (talk.model === 'always') return speech;
  return p59TalkShare * speech + (1 - p59TalkShare) * (talk.dtx ? dtxPacketsPerSecond : 0);
}

/** Packets sent and received per second, and received by bots of each engine: every speaker is heard by everyone else in its room. */
function roomPackets(bots: BotPlan[]): { sent: number; received: number; receivedBy: Map<string, number> } {
  interface Room { speakerPps: number; members: Map<string, number>; speakerPpsBy: Map<string, number> }
  const rooms = new Map<number, Room>();
  for (const bot of bots) {
    let room = rooms.get(bot.room);
    if (!room) rooms.set(bot.room, (room = { speakerPps: 0, members: new Map(), speakerPpsBy: new Map() }));
    room.members.set(bot.engine, (room.members.get(bot.engine) ?? 0) + 1);
    if (bot.role !== 'speaker') continue;
    const pps = packetsPerSecondOf(bot.talk, bot.audio.ptimeMs);
    room.speakerPps += pps;
    room.speakerPpsBy.set(bot.engine, (room.speakerPpsBy.get(bot.engine) ?? 0) + pps);
  }
  let sent = 0;
  const receivedBy = new Map<string, number>();
  for (const room of rooms.values()) {
    sent += room.speakerPps;
    // Each member hears every speaker but itself.
    for (const [engine, members] of room.members) receivedBy.set(engine, (receivedBy.get(engine) ?? 0) + members * room.speakerPps - (room.speakerPpsBy.get(engine) ?? 0));
  }
  const received = [...receivedBy.values()].reduce((a, b) => a + b, 0);
  return { sent, received, receivedBy };
}

/** Peer connections per second at the fastest ramp: a speaker opens two (send, receive), a listener one. */
export function peakJoinsPerSecond(scenario: Scenario, bots: BotPlan[]): number {
  let peak = 0;
  for (const group of scenario.fleet) {
    if (group.engine !== 'werift') continue;
    const members = bots.filter((b) => b.group === group.name);
    const pcs = members.reduce((n, b) => n + (b.role === 'speaker' ? 2 : 1), 0);
    peak += pcs / Math.max(1, group.rampUpMs / 1000);
  }
  return peak;
}

/** Of its cores, what a run may use before the harness's machine check (at its default) finds it saturated. */
const usableShare = 0.9;

export function estimateCapacity(scenario: Scenario, plan: RunPlan, machine: MachineFacts, figures: CapacityFigures, processes: number): CapacityEstimate {
  const werift = plan.bots.filter((b) => b.engine === 'werift');
  const pages = plan.bots.filter((b) => b.engine === 'browser').length;
  const { sent, received, receivedBy } = roomPackets(plan.bots);
  const weriftSent = werift.filter((b) => b.role === 'speaker').reduce((n, b) => n + packetsPerSecondOf(b.talk, b.audio.ptimeMs), 0);
  const joinsPerSecond = peakJoinsPerSecond(scenario, plan.bots);
  const us = 1e-6;
  const loaderCores = (weriftSent + (receivedBy.get('werift') ?? 0)) * figures.loaderPacketUs * us + werift.length * figures.botSecondUs * us;
  const local = scenario.target.kind === 'bundled' || (scenario.target.kind === 'janus' && scenario.target.url === null) || (scenario.target.kind === 'whip' && scenario.target.launch) || scenario.target.kind === 'launch';
  const sfuCores = local ? (sent + received) * figures.sfuPacketUs * us : 0;
  const neededCores = loaderCores + sfuCores + joinsPerSecond / figures.joinsPerCoreSecond + pages * figures.browserPageCores;
  const usableCores = machine.cores * usableShare;
  const neededMB = werift.length * figures.botMB + (werift.length > 0 ? processes * fleetProcessMB : 0) + pages * figures.browserPageMB;
  const usableMB = machine.memoryMB * 0.8;
  const ratio = Math.max(neededCores / usableCores, neededMB / usableMB);
  const verdict: CapacityVerdict = ratio > beyondRatio ? 'beyond' : ratio > nearRatio ? 'near' : 'fits';
  return { verdict, neededCores, usableCores, neededMB, usableMB, packetsPerSecond: sent + received, joinsPerSecond, machines: Math.max(1, Math.ceil(ratio / nearRatio)), figures };
}

const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** The estimate in a few lines, for the refusal or the warning. */
export function describeEstimate(e: CapacityEstimate, bots: number, machine: MachineFacts): string {
  const f = e.figures;
  return [
    `needs about ${fmt(e.neededCores)} cores and ${fmt(e.neededMB / 1024)} GiB; this machine gives ${fmt(e.usableCores)} cores (90% of its ${machine.cores}) and ${fmt(e.usableMB / 1024)} GiB (80% of its memory)`,
    `  (${fmt(bots, 0)} bots, ${fmt(e.packetsPerSecond, 0)} media packets/s sent and received, ${fmt(e.joinsPerSecond, 0)} peer connections/s while ramping up;`,
    `  per packet ${fmt(f.loaderPacketUs)} µs for the bots and ${fmt(f.sfuPacketUs)} µs for a bundled SFU, ${fmt(f.joinsPerCoreSecond, 0)} joins per core second, ${fmt(f.botMB, 2)} MB per bot: ${f.source})`,
  ].join('\n');
}
