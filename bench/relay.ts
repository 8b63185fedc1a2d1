/**
 * `npm run bench`, second part: what the userspace impairment relay does to media it does not
 * impair. Sets of rooms on one SFU node, in one process and one run, as in a fleet process: bots
 * sending straight to the node; bots whose media goes through the relay unimpaired (up and down),
 * with the relay in a worker thread (as fleet processes run it) or in the bots' own thread; and
 * bots whose downlink the relay delays by 25 ms (how exactly a delay is kept).
 * Adds a `relay` key to reports/bench/bench.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { relayRoute } from '../chaos/network/relay-route.js';
import { RelayThread } from '../chaos/network/relay-thread-client.js';
import { ImpairmentRelay } from '../chaos/network/relay.js';
import { SendScheduler } from '../bots/fleet/send-scheduler.js';
import { MetricStore } from '../core/metrics/store.js';
import { startBundledTarget } from '../target-server/bundled-target.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchAudio, benchBot } from './bench-bot.js';
import { benchJsonFile, writeBenchJson } from './bench-json.js';

const roomSize = 4;
const roomsPerSet = Number(process.env.BENCH_RELAY_ROOMS ?? 2);
const mediaSeconds = Number(process.env.BENCH_SECONDS ?? 10);
const delayMs = 25;
const sets = ['direct', 'sameThread', 'relayed', 'delayed'] as const;

const target = await startBundledTarget({ nodes: 1, workersPerNode: 1 });
const sameThread = new ImpairmentRelay(1);
const relay = new RelayThread(1, performance.timeOrigin, (error) => console.error(`relay thread: ${error.message}`));
try {
  const node = target.nodes[0]!;
  const store = new MetricStore(Date.now());
  const noImpairment = { loss: null, jitter: null, duplicateRatio: 0, rate: null, blackhole: false };
  const bots = [...Array(sets.length * roomsPerSet * roomSize).keys()].map((id) => {
    // The sets' rooms interleave, so each set meets the same load over time.
    const room = id % (sets.length * roomsPerSet);
    const set = sets[room % sets.length]!;
    if (set === 'direct') return benchBot({ id, room, nodeUrl: node.url, group: set, store });
    const via = set === 'sameThread' ? sameThread : relay;
    via.addBot(id, set === 'delayed' ? { down: { ...noImpairment, delayMs } } : {});
    return benchBot({ id, room, nodeUrl: node.url, group: set, store, route: relayRoute(via, id) });
  });
  await Promise.all(bots.map((bot) => bot.join()));
  const connected = bots.filter((b) => b.state === 'connected').length;
  if (connected !== bots.length) throw new Error(`bench: only ${connected} of ${bots.length} bots connected`);
  const second = (): number => Math.floor((Date.now() - store.startMs) / 1000);
  const scheduler = new SendScheduler(benchAudio.ptimeMs);
  for (const bot of bots) scheduler.add(bot);
  scheduler.start();
  // The first full second after subscriptions settled is the first one measured.
  await sleep(1000);
  const from = second() + 1;
  await sleep(mediaSeconds * 1000);
  const to = second() - 1;
  scheduler.stop();
  for (const bot of bots) bot.sampleSecond(Date.now());
  const latency = Object.fromEntries(sets.map((set) => [set, store.histogram('e2e_latency_ms', set, from, to)]));
  const jitter = Object.fromEntries(sets.map((set) => [set, store.histogram('jitter_ms', set)]));
  for (const bot of bots) bot.close();
  const at = (set: (typeof sets)[number], p: number): number => latency[set]!.percentile(p);
  const result = {
    setup: { botsPerSet: roomsPerSet * roomSize, roomSize, mediaSeconds, ptimeMs: benchAudio.ptimeMs, delayMs },
    /** One-way latency through the relay thread (uplink and downlink) minus straight to the node. */
    addedP50Ms: at('relayed', 50) - at('direct', 50),
    addedP99Ms: at('relayed', 99) - at('direct', 99),
    /** The same with the relay in the bots' own thread: the placement fleet processes do not use. */
    sameThreadAddedP50Ms: at('sameThread', 50) - at('direct', 50),
    sameThreadAddedP99Ms: at('sameThread', 99) - at('direct', 99),
    /** The 25 ms downlink delay as measured, minus 25 ms: the timer queue's error. */
    delayErrorP50Ms: at('delayed', 50) - at('relayed', 50) - delayMs,
    delayErrorP99Ms: at('delayed', 99) - at('relayed', 99) - delayMs,
    latencyMs: Object.fromEntries(sets.map((set) => [set, { p50: at(set, 50), p99: at(set, 99), count: latency[set]!.count }])),
    jitterP95Ms: Object.fromEntries(sets.map((set) => [set, jitter[set]!.percentile(95)])),
  };
  const previous = existsSync(benchJsonFile) ? (JSON.parse(readFileSync(benchJsonFile, 'utf8')) as Record<string, unknown>) : {};
  writeBenchJson({ ...previous, relay: result });
  const rows: Array<[string, string]> = [
    ['relay: bots per set', `${result.setup.botsPerSet}`],
    ['relay: one-way latency p50 direct / relayed', `${at('direct', 50).toFixed(2)} / ${at('relayed', 50).toFixed(2)} ms`],
    ['relay: added one-way latency p50 / p99', `${result.addedP50Ms.toFixed(2)} / ${result.addedP99Ms.toFixed(2)} ms`],
    ["relay in the bots' thread: added p50 / p99", `${result.sameThreadAddedP50Ms.toFixed(2)} / ${result.sameThreadAddedP99Ms.toFixed(2)} ms`],
    [`relay: ${delayMs} ms delay error p50 / p99`, `${result.delayErrorP50Ms.toFixed(2)} / ${result.delayErrorP99Ms.toFixed(2)} ms`],
    ['relay: jitter p95 direct / relayed', `${result.jitterP95Ms.direct!.toFixed(2)} / ${result.jitterP95Ms.relayed!.toFixed(2)} ms`],
  ];
  for (const [name, value] of rows) console.log(`${name.padEnd(50)} ${value}`);
  console.log(`\nwritten: ${benchJsonFile} (relay)`);
} finally {
  await sameThread.close();
  await relay.close();
  await target.stop();
}
