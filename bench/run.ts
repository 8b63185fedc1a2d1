/**
 * `npm run bench`: what one harness core costs and holds, measured against the real bundled
 * target in one run so the figures compare like with like. Prints a table and writes
 * reports/bench/bench.json. Figures vary between runs on a shared machine: compare within a run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { MetricStore } from '../core/metrics/store.js';
import { packageRoot } from '../core/paths.js';
import { startBundledTarget, type TargetNode } from '../target-server/bundled-target.js';
import { benchAudio, benchBot, sleep } from './bench-bot.js';

const roomSize = 4;
const rooms = Number(process.env.BENCH_ROOMS ?? 5);
const mediaSeconds = Number(process.env.BENCH_SECONDS ?? 10);
const audio = benchAudio;

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function rssMB(): number {
  global.gc?.();
  return process.memoryUsage.rss() / 2 ** 20;
}

async function workerCpuMs(node: TargetNode): Promise<number> {
  const stats = await node.stats(5000);
  if (!stats) throw new Error('bench: the SFU node did not answer stats');
  return stats.workers.reduce((sum, w) => sum + w.cpuMs, 0);
}


const target = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
const node = target.nodes[0]!;
try {
  const store = new MetricStore(Date.now());
  const bots = [...Array(rooms * roomSize).keys()].map((id) => benchBot({ id, room: id % rooms, nodeUrl: node.url, group: 'bench', store }));

  // Joins: every bot at once, as a join storm would.
  const rssBefore = rssMB();
  const joinCpu0 = cpuMs();
  const joinWall0 = performance.now();
  await Promise.all(bots.map((bot) => bot.join()));
  await sleep(1000); // subscriptions triggered by later joiners settle
  const joinCpuMsPerBot = (cpuMs() - joinCpu0) / bots.length;
  const joinWallMs = performance.now() - joinWall0;
  const connected = bots.filter((b) => b.state === 'connected').length;
  if (connected !== bots.length) throw new Error(`bench: only ${connected} of ${bots.length} bots connected`);
  const idleBotRssMB = (rssMB() - rssBefore) / bots.length;

  // Media: one send timer for all bots, as the fleet process does.
  for (const bot of bots) bot.sampleSecond(Date.now());
  const cpu0 = cpuMs();
  const worker0 = await workerCpuMs(node);
  const ticker = setInterval(() => bots.forEach((bot) => bot.sendPacket()), audio.ptimeMs);
  await sleep(mediaSeconds * 1000);
  clearInterval(ticker);
  await sleep(300);
  const cpuUsed = cpuMs() - cpu0;
  const workerUsed = (await workerCpuMs(node)) - worker0;
  for (const bot of bots) bot.sampleSecond(Date.now());
  const sent = store.counter('packets_sent');
  const received = store.counter('packets_received');
  const latency = store.histogram('e2e_latency_ms');
  for (const bot of bots) bot.close();

  const botPacketUs = (cpuUsed * 1000) / (sent + received);
  // The worker handles each packet twice: in from the sender, out to each receiver.
  const workerPacketUs = (workerUsed * 1000) / (sent + received);
  const packetsPerBotPerSecond = (1000 / audio.ptimeMs) * roomSize; // 1 sent + (roomSize-1) received
  const result = {
    machine: { cores: availableParallelism(), node: process.versions.node, platform: `${process.platform}-${process.arch}` },
    setup: { bots: bots.length, roomSize, mediaSeconds, ptimeMs: audio.ptimeMs, bitrateKbps: audio.bitrateKbps },
    botPacketUs,
    workerPacketUs,
    // Estimated from the per-packet cost: one core's microseconds over a talking bot's packets per second.
    botsPerCore: Math.floor(1e6 / (botPacketUs * packetsPerBotPerSecond)),
    joinCpuMsPerBot,
    joinsPerSecondPerCore: 1000 / joinCpuMsPerBot,
    joinStormWallMs: joinWallMs,
    idleBotRssMB,
    harnessLatencyP50Ms: latency.percentile(50),
    harnessLatencyP99Ms: latency.percentile(99),
    packets: { sent, received, lossRatio: 1 - received / Math.max(1, store.counter('packets_expected')) },
  };
  const outDir = join(packageRoot, 'reports', 'bench');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
  const rows: Array<[string, string]> = [
    ['bots (rooms of 4)', `${bots.length}`],
    ['bot CPU per packet (sent or received)', `${botPacketUs.toFixed(1)} µs`],
    ['mediasoup worker CPU per packet (in or out)', `${workerPacketUs.toFixed(1)} µs`],
    ['ratio bot / worker', `${(botPacketUs / workerPacketUs).toFixed(1)}×`],
    ['talking bots per core (estimated)', `${result.botsPerCore}`],
    ['join CPU per bot', `${joinCpuMsPerBot.toFixed(1)} ms`],
    ['joins per second per core', `${result.joinsPerSecondPerCore.toFixed(1)}`],
    [`join storm (${bots.length} at once) wall time`, `${joinWallMs.toFixed(0)} ms`],
    ['RSS per idle connected bot', `${idleBotRssMB.toFixed(2)} MB`],
    ['harness one-way latency p50 / p99', `${result.harnessLatencyP50Ms.toFixed(2)} / ${result.harnessLatencyP99Ms.toFixed(2)} ms`],
    ['packets sent / received', `${sent} / ${received}`],
  ];
  for (const [name, value] of rows) console.log(`${name.padEnd(46)} ${value}`);
  console.log(`\nwritten: ${join(outDir, 'bench.json')}`);
} finally {
  await target.stop();
}
