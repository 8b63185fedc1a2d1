/**
 * What real voice costs the loader per packet: runs of the per-packet phase's shape with `filler`
 * audio (an empty Opus frame padded to size, no jitter-buffer model or MOS: the bot path before
 * real Opus) and with `speech` (libopus frames replayed, each received stream through the playout
 * model and the E-model), alternated so the machine's drift falls on both.
 */
import { config, roomOf4 } from './config.js';
import { runFleet } from './fleet-run.js';
import { progress } from './progress.js';

export interface VoiceCostRun { content: 'filler' | 'speech'; botPacketUs: number; packets: number; latencyP50Ms: number; harnessValid: boolean }

export interface VoiceCost {
  runs: VoiceCostRun[];
  /** Medians over the runs of each content. */
  fillerPacketUs: number;
  speechPacketUs: number;
  /** speech / filler - 1; the goal is under 0.15. */
  increase: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function measureVoiceCost(pairs = 2): Promise<VoiceCost> {
  const bots = config.packetRooms * roomOf4;
  const runs: VoiceCostRun[] = [];
  for (let i = 0; i < pairs; i++) {
    for (const content of ['filler', 'speech'] as const) {
      progress(`voice cost: ${content} audio, ${config.packetRooms} rooms of ${roomOf4} always talking, ${config.packetSeconds} s measured (pair ${i + 1} of ${pairs})`);
      const run = await runFleet({ label: `voice-${content}`, bots, roomSize: roomOf4, talk: 'always', measureS: config.packetSeconds, audioContent: content });
      const media = run.media!;
      const packets = media.sent + media.received;
      if (run.join.failed > 0 || packets === 0) throw new Error(`bench: the ${content} voice-cost run had ${run.join.failed} failed joins and ${packets} packets`);
      runs.push({ content, botPacketUs: (media.loaderCpuMs * 1000) / packets, packets, latencyP50Ms: media.latencyP50Ms, harnessValid: run.harnessValid });
    }
  }
  const fillerPacketUs = median(runs.filter((r) => r.content === 'filler').map((r) => r.botPacketUs));
  const speechPacketUs = median(runs.filter((r) => r.content === 'speech').map((r) => r.botPacketUs));
  return { runs, fillerPacketUs, speechPacketUs, increase: speechPacketUs / fillerPacketUs - 1 };
}
