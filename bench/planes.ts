/**
 * The media planes side by side (docs/native-plane.md): the loader's CPU per datagram with the
 * native and the TypeScript plane, each a real run against the bundled target, at 20, 128 and 512
 * bots, next to the minimal Node and C loops at the same sizes. Run alone: `node dist/bench/planes.js`.
 */
import { config, roomOf4 } from './config.js';
import { runFleet } from './fleet-run.js';
import { measureFloors, type FloorRun } from './minimal-floor.js';
import { progress } from './progress.js';

/** BENCH_PLANE_SIZES=128 measures one size alone (the JSON's other sizes are then absent). */
export const planeSizes = (process.env.BENCH_PLANE_SIZES ?? '20,128,512').split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 4);
type PlaneName = 'native' | 'typescript';

export interface PlaneRun {
  bots: number;
  talk: 'always' | 'p59';
  packetUs: number;
  loaderCores: number;
  packetsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  lossRatio: number;
  /** Whether the run itself was valid (at 512 bots this machine's 2 cores hold the SFU and the loader together only just). */
  harnessValid: boolean;
}

export interface PlaneFigures {
  /** µs of loader CPU per datagram sent + received, by bots. */
  packetUs: Record<string, number>;
  /**
   * Voice bots (rooms of 8, P.59 with DTX: 8 datagrams a second per packet a talker sends) one loader
   * core holds at the per-datagram cost of the largest valid run (`botsPerCoreFrom` bots; the largest run when none was valid).
   */
  botsPerCore: number;
  botsPerCoreFrom: number;
  harnessLatencyP50Ms: number;
  runs: PlaneRun[];
}

export interface PlanesBench {
  planes: Record<PlaneName, PlaneFigures>;
  /** cSlots: the C loop with SRTP sending on the bots' schedule (each socket in its 1 ms slot), the floor of what the planes do. */
  floor: { node: Record<string, number>; c: Record<string, number>; cSrtp: Record<string, number>; cSlots: Record<string, number>; runs: FloorRun[] };
}

/** 20 and 128 bots talk all the time, as the floor loops do; 512 talk P.59 with DTX (all talking, the SFU alone would need more than this machine's 2 cores). */
const talkAt = (bots: number): 'always' | 'p59' => (bots >= 512 ? 'p59' : 'always');

async function measurePlane(plane: PlaneName, bots: number): Promise<PlaneRun> {
  const talk = talkAt(bots);
  const run = await runFleet({ label: `plane-${plane}-${bots}`, bots, roomSize: roomOf4, talk, measureS: config.packetSeconds, plane });
  const media = run.media!;
  const packets = media.sent + media.received;
  const result: PlaneRun = {
    bots,
    talk,
    packetUs: (media.loaderCpuMs * 1000) / Math.max(1, packets),
    loaderCores: media.loaderCores,
    packetsPerSecond: packets / media.seconds,
    latencyP50Ms: media.latencyP50Ms,
    latencyP99Ms: media.latencyP99Ms,
    lossRatio: media.expected > 0 ? 1 - media.received / media.expected : 0,
    harnessValid: run.harnessValid,
  };
  progress(`plane ${plane}, ${bots} bots (${talk}): ${result.packetUs.toFixed(2)} µs per datagram, ${result.loaderCores.toFixed(2)} loader cores, latency p50 ${result.latencyP50Ms.toFixed(2)} ms, loss ${(100 * result.lossRatio).toFixed(2)}%${run.harnessValid ? '' : ' (run invalid)'}`);
  return result;
}

/** What a P.59 talker with DTX sends a second (bots/talk-model.ts): talking 38.7% of 50 packets, a comfort-noise packet every 400 ms of the rest; the sweep measures 166-176 datagrams a bot in rooms of 8. */
const p59SentPerSecond = 21;

function botsPerCoreOf(runs: PlaneRun[]): { botsPerCore: number; from: number } {
  const run = runs.filter((r) => r.harnessValid).at(-1) ?? runs.at(-1);
  if (!run || run.packetUs <= 0) return { botsPerCore: 0, from: 0 };
  // In a room of 8, each packet a bot sends comes back to it 7 times from its room-mates.
  return { botsPerCore: 1e6 / (8 * p59SentPerSecond * run.packetUs), from: run.bots };
}

export async function measurePlanes(): Promise<PlanesBench> {
  const runs: Record<PlaneName, PlaneRun[]> = { native: [], typescript: [] };
  // Alternated per size, so both planes see the machine as it was.
  for (const bots of planeSizes) for (const plane of ['native', 'typescript'] as const) runs[plane].push(await measurePlane(plane, bots));
  const figures = (plane: PlaneName): PlaneFigures => {
    const { botsPerCore, from } = botsPerCoreOf(runs[plane]);
    return {
      packetUs: Object.fromEntries(runs[plane].map((r) => [String(r.bots), r.packetUs])),
      botsPerCore,
      botsPerCoreFrom: from,
      harnessLatencyP50Ms: runs[plane][0]?.latencyP50Ms ?? 0,
      runs: runs[plane],
    };
  };
  const floorRuns = process.env.BENCH_PLANE_FLOORS === '0' ? [] : await measureFloors(planeSizes, config.packetSeconds, progress);
  const floorOf = (loader: FloorRun['loader']) => Object.fromEntries(floorRuns.filter((r) => r.loader === loader).map((r) => [String(r.bots), r.packetUs]));
  return { planes: { native: figures('native'), typescript: figures('typescript') }, floor: { node: floorOf('node'), c: floorOf('c'), cSrtp: floorOf('cSrtp'), cSlots: floorOf('cSlots'), runs: floorRuns } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await measurePlanes();
  console.log(JSON.stringify(result, null, 2));
}
