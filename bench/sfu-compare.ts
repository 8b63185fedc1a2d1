/**
 * `npm run bench`, fourth part: two SFUs like for like. The same bots (BENCH_SFU_BOTS, default 40,
 * in rooms of 4, always talking, werift on the fast media path) join the bundled mediasoup cluster
 * (one node, one worker) and a launched Janus VideoRoom, each through its adapter, in turns; each
 * turn measures what the SFU process (the mediasoup worker, the Janus process) spends per packet in
 * or out over a window of BENCH_SECONDS. Adds an `sfuCompare` key to reports/bench/bench.json.
 * Needs root and Debian's janus; without them it says so and adds nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SendScheduler } from '../bots/fleet/send-scheduler.js';
import { typescriptMediaPlane } from '../bots/werift/fast-media.js';
import { WeriftBot } from '../bots/werift/werift-bot.js';
import { MetricStore } from '../core/metrics/store.js';
import { noLedger } from '../ports/process-ledger.js';
import type { Target, TargetAdapter } from '../ports/index.js';
import { startBundledTarget } from '../target-server/bundled-target.js';
import { createAdapter as janusAdapter } from '../targets/janus/janus-adapter.js';
import { findJanus, startLaunchedJanus } from '../targets/janus/launched-janus.js';
import { createAdapter as rtcstormAdapter } from '../targets/rtcstorm/rtcstorm-adapter.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchAudio } from './bench-bot.js';
import { benchJsonFile, writeBenchJson } from './bench-json.js';
import { progress } from './progress.js';

const bots = Number(process.env.BENCH_SFU_BOTS ?? 40);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const turns = 2;
const roomSize = 4;

interface Turn { sfu: 'mediasoup' | 'janus'; packetsIn: number; packetsOut: number; sfuCpuMs: number; sfuPacketUs: number; lossRatio: number; latencyP50Ms: number }

/** One turn: bots join `target` through `adapter`, media for a second unmeasured, then `seconds` measured. */
async function turn(sfu: Turn['sfu'], target: Target, adapter: TargetAdapter, tag: string): Promise<Turn> {
  const store = new MetricStore(Date.now());
  const fleet = [...Array(bots).keys()].map(
    (id) =>
      new WeriftBot({
        id,
        roomId: `${tag}-room-${Math.floor(id / roomSize)}`,
        room: `room-${Math.floor(id / roomSize)}`,
        adapter,
        group: sfu,
        audio: benchAudio,
        store,
        joinTimeoutMs: 30_000,
        recovery: { mediaTimeoutMs: 5000, gapThresholdMs: 500, backoffInitialMs: 250, backoffMaxMs: 4000 },
        random: Math.random,
        role: 'speaker',
        talk: { model: 'always' },
        mediaPlane: typescriptMediaPlane,
      }),
  );
  try {
    for (let i = 0; i < fleet.length; i += 8) await Promise.all(fleet.slice(i, i + 8).map((bot) => bot.join()));
    const scheduler = new SendScheduler(benchAudio.ptimeMs);
    for (const bot of fleet) scheduler.add(bot);
    scheduler.start();
    await sleep(2000);
    const sample = (): void => fleet.forEach((bot) => bot.sampleSecond(Date.now()));
    sample();
    const node = target.nodes[0]!;
    const cpuOf = async (): Promise<number> => {
      const stats = await node.stats(5000);
      if (!stats) throw new Error(`bench: ${sfu} did not answer stats`);
      return stats.workers.reduce((n, w) => n + w.cpuMs, 0);
    };
    const totals = (): { sent: number; received: number; expected: number } => ({ sent: store.counter('packets_sent'), received: store.counter('packets_received'), expected: store.counter('packets_expected') });
    const cpu0 = await cpuOf();
    const t0 = totals();
    const from = Math.floor((Date.now() - store.startMs) / 1000) + 1;
    await sleep(seconds * 1000);
    sample();
    const cpu1 = await cpuOf();
    const t1 = totals();
    scheduler.stop();
    const packetsIn = t1.sent - t0.sent;
    const packetsOut = t1.received - t0.received;
    const expected = t1.expected - t0.expected;
    const latency = store.histogram('e2e_latency_ms', undefined, from);
    return { sfu, packetsIn, packetsOut, sfuCpuMs: cpu1 - cpu0, sfuPacketUs: ((cpu1 - cpu0) * 1000) / (packetsIn + packetsOut), lossRatio: expected > 0 ? Math.max(0, 1 - packetsOut / expected) : 1, latencyP50Ms: latency.percentile(50) };
  } finally {
    for (const bot of fleet) bot.close();
    await sleep(500);
  }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? Number.NaN;

const skip = !findJanus() ? 'Janus is not installed' : process.getuid?.() !== 0 ? 'a launched Janus needs root' : null;
if (skip) {
  console.log(`\nsfu compare: skipped (${skip})`);
} else {
  progress(`sfu compare: ${bots} bots in rooms of ${roomSize}, mediasoup and Janus in turns (${turns} each)`);
  const mediasoup = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
  const janus = await startLaunchedJanus({ instances: 1, runTag: 'bench0', processes: noLedger });
  const adapters = { mediasoup: rtcstormAdapter({ url: mediasoup.nodes[0]!.url, options: {}, runTag: 'bench' }), janus: janusAdapter({ url: janus.nodes[0]!.url, options: {}, runTag: 'bench' }) };
  const results: Turn[] = [];
  try {
    for (let k = 0; k < turns; k++) {
      results.push(await turn('mediasoup', mediasoup, adapters.mediasoup, `bench-m${k}`));
      results.push(await turn('janus', janus, adapters.janus, `bench-j${k}`));
    }
  } finally {
    await mediasoup.stop();
    await janus.stop();
  }
  const of = (sfu: Turn['sfu']): Turn[] => results.filter((r) => r.sfu === sfu);
  const summary = {
    bots,
    roomSize,
    seconds,
    mediasoupWorkerPacketUs: median(of('mediasoup').map((r) => r.sfuPacketUs)),
    janusPacketUs: median(of('janus').map((r) => r.sfuPacketUs)),
    janusToMediasoup: median(of('janus').map((r) => r.sfuPacketUs)) / median(of('mediasoup').map((r) => r.sfuPacketUs)),
    turns: results,
  };
  console.log(
    `\nsfu compare (${bots} bots, rooms of ${roomSize}, ${seconds} s a turn, median of ${turns}): SFU CPU per packet in or out: ` +
      `mediasoup worker ${summary.mediasoupWorkerPacketUs.toFixed(1)} µs, Janus ${summary.janusPacketUs.toFixed(1)} µs (${summary.janusToMediasoup.toFixed(2)}×); ` +
      `loss ${of('mediasoup').map((r) => (r.lossRatio * 100).toFixed(2)).join('/')}% / ${of('janus').map((r) => (r.lossRatio * 100).toFixed(2)).join('/')}%`,
  );
  const previous = existsSync(benchJsonFile) ? (JSON.parse(readFileSync(benchJsonFile, 'utf8')) as Record<string, unknown>) : {};
  writeBenchJson({ ...previous, sfuCompare: summary });
}
