import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlayoutModel, type PlayoutSecond } from '../../bots/voice/playout-model.js';

/** mulberry32: the same seed gives the same network on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ptime = 20;
const samplesPerPacket = 960; // 48 kHz

interface Sent {
  seq: number;
  rtp: number;
  sentAt: number;
  speech: boolean;
  /** null: lost */
  arrival: number | null;
}

/** Continuous speech, a packet every 20 ms for `seconds`; `delay` gives a packet's one-way delay or null (lost). */
function speech(seconds: number, delay: (sentAt: number, seq: number) => number | null, rtpStart = 123_456): Sent[] {
  return [...Array((seconds * 1000) / ptime).keys()].map((seq) => {
    const sentAt = seq * ptime;
    const d = delay(sentAt, seq);
    return { seq, rtp: (rtpStart + seq * samplesPerPacket) >>> 0, sentAt, speech: true, arrival: d === null ? null : sentAt + d };
  });
}

/** Talk spurts (0.4–2 s) and pauses (0.4–2.8 s) with Opus DTX: one comfort-noise packet every 400 ms, timestamps following time. */
function conversation(seconds: number, random: () => number, delay: (sentAt: number) => number | null): Sent[] {
  const packets: Sent[] = [];
  let talking = true;
  let switchAt = 0;
  let lastNoise = -Infinity;
  for (let t = 0; t < seconds * 1000; t += ptime) {
    if (t >= switchAt) {
      talking = !talking;
      switchAt = t + Math.round((talking ? 400 + 1600 * random() : 400 + 2400 * random()) / ptime) * ptime;
    }
    if (!talking) {
      if (t - lastNoise < 400) continue;
      lastNoise = t;
    }
    const d = delay(t);
    packets.push({ seq: packets.length, rtp: (7_777 + t * 48) >>> 0, sentAt: t, speech: talking, arrival: d === null ? null : t + d });
  }
  return packets;
}

interface Window extends PlayoutSecond {
  end: number;
  target: number;
}

/** Feeds the packets in arrival order, closing a window every `windowMs` until `untilMs`. */
function run(packets: Sent[], untilMs: number, windowMs = 1000, model = new PlayoutModel({ ptimeMs: ptime, clockRateHz: 48_000 })): Window[] {
  const arrivals = packets.filter((p) => p.arrival !== null).sort((a, b) => a.arrival! - b.arrival! || a.seq - b.seq);
  const windows: Window[] = [];
  let next = windowMs;
  const close = (): void => {
    windows.push({ ...model.takeSecond(next), end: next, target: model.targetDelayMs });
    next += windowMs;
  };
  for (const p of arrivals) {
    while (p.arrival! >= next) close();
    model.packet(p.seq, p.rtp, p.arrival!, p.sentAt);
  }
  while (next <= untilMs) close();
  return windows;
}

function total(windows: Window[], key: 'frames' | 'concealed' | 'packets' | 'lostOrLate' | 'lossRuns'): number {
  return windows.reduce((sum, w) => sum + w[key], 0);
}

/** Mean of the windows' means (windows with played packets only). */
function mean(windows: Window[], key: 'playoutDelayMs' | 'bufferDelayMs' | 'networkDelayMs'): number {
  const values = windows.map((w) => w[key]).filter((v): v is number => v !== undefined);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Second i covers (i, i + 1] s. */
const between = (windows: Window[], fromMs: number, toMs: number): Window[] => windows.filter((w) => w.end > fromMs && w.end <= toMs);

const round = (windows: Window[]): unknown[] =>
  windows.map((w) => ({
    ...w,
    playoutDelayMs: w.playoutDelayMs === undefined ? undefined : Math.round(w.playoutDelayMs * 1e6) / 1e6,
    bufferDelayMs: w.bufferDelayMs === undefined ? undefined : Math.round(w.bufferDelayMs * 1e6) / 1e6,
    networkDelayMs: w.networkDelayMs === undefined ? undefined : Math.round(w.networkDelayMs * 1e6) / 1e6,
  }));

describe('playout model', () => {
  it('a clean stream: nothing concealed, a target of one packet, playout delay the latency + one packet (+ NetEq\'s accelerate band)', () => {
    const windows = run(speech(20, () => 40), 20_000);
    const steady = windows.slice(3);
    for (const w of steady) {
      assert.deepEqual([w.frames, w.concealed, w.packets, w.lostOrLate, w.lossRuns], [50, 0, 50, 0, 0], `second ending ${w.end}`);
      assert.equal(w.target, 20);
      assert.equal(w.networkDelayMs, 40);
      // NetEq accelerates only from target + 20 ms (kDelayAdjustmentGranularityMs) and starts at 80 ms, so it settles in [20, 40).
      assert.ok(w.bufferDelayMs! >= 20 && w.bufferDelayMs! < 40, `buffer delay ${w.bufferDelayMs}`);
      assert.ok(Math.abs(w.playoutDelayMs! - (40 + w.bufferDelayMs!)) < 1e-9);
    }
    const delays = steady.map((w) => w.playoutDelayMs!);
    assert.ok(Math.max(...delays) - Math.min(...delays) < 1, `steady: ${delays.join(', ')}`);
    // Time-based frames from the first packet (40 ms in) to the end.
    assert.equal(total(windows, 'frames'), 998);
    assert.equal(total(windows, 'concealed'), 0);
  });

  it('5 % random loss: each lost packet conceals its frame, and isolated losses are runs of one', () => {
    const random = mulberry32(5);
    const packets = speech(600, () => (random() < 0.05 ? null : 30));
    const windows = run(packets, 600_000);
    const lost = packets.filter((p) => p.arrival === null && p.seq < packets.length - 5).length;
    let runs = 0;
    packets.forEach((p, i) => {
      if (p.arrival === null && (i === 0 || packets[i - 1]!.arrival !== null) && p.seq < packets.length - 5) runs++;
    });
    assert.equal(total(windows, 'lostOrLate'), lost);
    assert.equal(total(windows, 'concealed'), lost, 'one frame per lost packet, nothing more');
    const ratio = total(windows, 'concealed') / total(windows, 'frames');
    assert.ok(Math.abs(ratio - 0.05) < 0.004, `concealed ${ratio}`);
    // A run that straddles two seconds is seen in both: a few more than the stream's runs.
    const lossRuns = total(windows, 'lossRuns');
    assert.ok(lossRuns >= runs && lossRuns < runs * 1.03, `${lossRuns} runs, the stream has ${runs}`);
    assert.ok(Math.abs(lossRuns / lost - 0.95) < 0.02, `runs/lost ${lossRuns / lost}`);
    assert.equal(windows.at(-1)!.target, 20, 'loss alone does not raise the target');
  });

  it('60 ms of uniform jitter (reordering included): the target rises toward the 95th percentile, the delay with it, concealment only at the onset', () => {
    const random = mulberry32(60);
    const jittery = (t: number): boolean => t >= 10_000 && t < 40_000;
    const windows = run(speech(60, (t) => 50 + (jittery(t) ? 60 * random() : 0)), 60_000);
    const clean = between(windows, 5000, 10_000);
    const jitter = between(windows, 15_000, 40_000);
    assert.ok(clean.every((w) => w.target === 20));
    assert.ok(jitter.every((w) => w.target >= 40 && w.target <= 80), `targets ${jitter.map((w) => w.target).join(', ')}`);
    assert.ok(mean(jitter, 'playoutDelayMs') > mean(clean, 'playoutDelayMs') + 15, `${mean(jitter, 'playoutDelayMs')} vs ${mean(clean, 'playoutDelayMs')}`);
    const onset = total(between(windows, 10_000, 13_000), 'concealed');
    assert.ok(onset > 0, 'packets late before the buffer grows');
    const later = between(windows, 15_000, 40_000);
    assert.ok(total(later, 'concealed') / total(later, 'frames') < 0.01, `${total(later, 'concealed')} concealed after the onset`);
    assert.ok(total(between(windows, 0, 10_000), 'concealed') === 0);
  });

  it('the target is the 0.95 quantile of each 500 ms\'s largest delay: spikes in one interval of ten are covered', () => {
    // Every 5 s the network holds 100 ms of packets and releases them together (in order).
    const windows = run(speech(300, (t) => Math.max(40, (Math.floor(t / 5000) * 5000 + 100 + 40) - t)), 300_000);
    const later = between(windows, 120_000, 300_000);
    assert.ok(later.every((w) => w.target === 120), `targets ${[...new Set(later.map((w) => w.target))].join(', ')}`);
    assert.equal(total(later, 'concealed'), 0, 'the buffer outlasts the spikes');
    assert.ok(total(between(windows, 0, 30_000), 'concealed') > 0, 'before it learnt them');
  });

  it('after the jitter ends the delay stays up while NetEq\'s histograms remember it, then comes down by at most 2 ms per frame', () => {
    const random = mulberry32(61);
    const jittery = (t: number): boolean => t >= 10_000 && t < 40_000;
    const windows = run(speech(450, (t) => 50 + (jittery(t) ? 60 * random() : 0)), 450_000, 100);
    const clean = mean(between(windows, 5000, 10_000), 'playoutDelayMs');
    // The underrun histogram forgets 1.7 % per 500 ms: a minute and more after the jitter, the target is still 60 ms;
    // the reorder optimizer's (0.07 % per packet) keeps 20 ms more for minutes after that.
    assert.ok(between(windows, 44_000, 100_000).every((w) => w.target === 60), 'target still up');
    assert.ok(mean(between(windows, 44_000, 100_000), 'playoutDelayMs') > clean + 15);
    assert.ok(between(windows, 150_000, 300_000).every((w) => w.target === 40));
    const end = between(windows, 440_000, 450_000);
    assert.ok(end.every((w) => w.target === 20), `target at the end ${end.at(-1)!.target}`);
    assert.ok(Math.abs(mean(end, 'playoutDelayMs') - clean) < 5, `${mean(end, 'playoutDelayMs')} vs ${clean} before`);
    // Accelerate takes 10 % of each 20 ms frame: 5 frames a window, at most 10 ms less (+ a frame's share of the mean).
    const after = between(windows, 42_000, 450_000);
    let steepest = 0;
    let fell = 0;
    for (let i = 1; i < after.length; i++) {
      const drop = after[i - 1]!.playoutDelayMs! - after[i]!.playoutDelayMs!;
      steepest = Math.max(steepest, drop);
      if (drop > 0.5) fell++;
    }
    assert.ok(steepest <= 12, `fastest drop ${steepest} ms in 100 ms`);
    assert.ok(fell >= 2, 'over several windows');
    assert.ok(after.every((w) => w.concealed === 0));
  });

  it('DTX pauses (one packet per 400 ms, timestamps advancing) are played comfort noise, not concealment', () => {
    const random = mulberry32(7);
    const packets = conversation(120, random, () => 40 + 10 * random());
    const windows = run(packets, 120_000);
    assert.ok(packets.some((p, i) => i > 0 && p.rtp - packets[i - 1]!.rtp >= 400 * 48), 'there are pauses');
    assert.equal(total(windows, 'concealed'), 0);
    assert.equal(total(windows, 'lostOrLate'), 0);
    assert.ok(windows.slice(1).every((w) => w.frames === 50), 'every second of the stream counts 50 frames, pauses included');
    assert.ok(total(windows, 'packets') >= packets.length - 3);
    assert.ok(windows.slice(3).every((w) => w.playoutDelayMs === undefined || w.bufferDelayMs! < 100));

    // With 5 % loss, lost speech is concealed (a frame each) and lost comfort noise is not.
    const lossy = mulberry32(8);
    const withLoss = conversation(600, lossy, () => (lossy() < 0.05 ? null : 40 + 10 * lossy()));
    const lossWindows = run(withLoss, 600_000);
    const lostSpeech = withLoss.filter((p) => p.arrival === null && p.speech).length;
    const speechPackets = withLoss.filter((p) => p.speech).length;
    const concealed = total(lossWindows, 'concealed');
    assert.ok(concealed <= lostSpeech && concealed > lostSpeech * 0.95, `${concealed} concealed, ${lostSpeech} speech packets lost`);
    assert.ok(Math.abs(concealed / speechPackets - 0.05) < 0.006, `${concealed / speechPackets} of speech frames`);
    assert.equal(total(lossWindows, 'lostOrLate'), withLoss.filter((p) => p.arrival === null && p.seq < withLoss.length - 3).length);
  });

  it('a late packet with nothing behind it stalls playout (its wait is concealed) and is counted once; one overtaken is lost once', () => {
    // Packets 300–307 held by the network and released together, the first 150 ms late: it waits (the wait
    // concealed, whole frames) and the rest play on a timeline moved by as much.
    const release = 300 * ptime + 40 + 150;
    const stall = run(speech(10, (t, seq) => (seq >= 300 && seq <= 307 ? release - t : 40)), 10_000);
    const before = stall[5]!.bufferDelayMs!;
    assert.equal(total(stall, 'lostOrLate'), 1);
    assert.equal(total(stall, 'lossRuns'), 1);
    assert.equal(total(stall, 'concealed'), Math.ceil((150 - before) / ptime), `${total(stall, 'concealed')} concealed, ${before} ms buffered`);
    assert.ok(stall[6]!.bufferDelayMs! > before + 20, 'the buffer grew');
    // Packet 300 alone 100 ms late, the next ones on time: skipped, one frame, not counted again when it comes.
    const overtaken = run(speech(10, (_t, seq) => (seq === 300 ? 140 : 40)), 10_000);
    assert.deepEqual([total(overtaken, 'lostOrLate'), total(overtaken, 'concealed'), total(overtaken, 'lossRuns')], [1, 1, 1]);
    assert.equal(total(overtaken, 'packets'), total(run(speech(10, () => 40), 10_000), 'packets'));
  });

  it('a second-long freeze: its wait is concealed, then fast accelerate (half of each frame) brings the buffer back within seconds', () => {
    // After a minute the histogram forgets at its steady 1.7 %: one spike does not move the 0.95 quantile.
    const windows = run(speech(90, (t) => (t >= 70_000 && t < 71_000 ? 71_040 - t : 40)), 90_000);
    const freeze = between(windows, 70_000, 73_000);
    assert.equal(total(freeze, 'lostOrLate'), 1, 'one packet late: those behind it wait in the buffer');
    const before = windows[69]!.bufferDelayMs!;
    // Its first packet was due `before` ms after its normal arrival, and came 1000 ms after it.
    assert.equal(total(freeze, 'concealed'), Math.ceil((1000 - before) / ptime));
    assert.ok(windows.every((w) => w.target === 20 || w.end <= 1000));
    // Fast accelerate from about 1 s of buffer (4 × its high limit) at 10 ms a frame, then 2 ms a frame.
    assert.ok(windows[72]!.bufferDelayMs! > 500, `buffered ${windows[72]!.bufferDelayMs} ms`);
    assert.ok(windows[76]!.bufferDelayMs! < before + 10, `${windows[76]!.bufferDelayMs} ms in the sixth second after, ${before} before`);
    assert.equal(total(between(windows, 73_000, 90_000), 'concealed'), 0);
  });

  it('comfort noise absorbs a latency step: a packet late after a pause is waited for, an early one cuts the delay to target + 50 ms', () => {
    // Talk 1 s, pause 2 s; the latency drops by 100 ms in the pause at 20.5 s and comes back in the one at 40.5 s.
    const packets: Sent[] = [];
    let lastNoise = -Infinity;
    for (let t = 0; t < 60_000; t += ptime) {
      const talking = t % 3000 < 1000;
      if (!talking && t - lastNoise < 400) continue;
      if (!talking) lastNoise = t;
      const latency = t < 20_500 || t >= 40_500 ? 140 : 40;
      packets.push({ seq: packets.length, rtp: (99 + t * 48) >>> 0, sentAt: t, speech: talking, arrival: t + latency });
    }
    const windows = run(packets, 60_000, 100);
    assert.equal(total(windows, 'concealed'), 0);
    assert.equal(total(windows, 'lostOrLate'), 0);
    // The spurt after the drop starts at 21 s with at most target + 50 ms buffered, not the 100 ms more the drop left.
    const spurt = between(windows, 21_000, 21_500).filter((w) => w.bufferDelayMs !== undefined);
    assert.ok(spurt.length >= 3 && spurt.every((w) => w.bufferDelayMs! <= w.target + 50 + 1e-9), `${spurt.map((w) => w.bufferDelayMs).join(', ')} ms buffered`);
  });

  it('frames stop 3 s after the last packet; a stream back after a 5 s outage restarts, its losses counted, concealing at most 3 s', () => {
    const windows = run(speech(30, (t) => (t >= 10_000 && t < 15_000 ? null : 40)), 40_000);
    // Active from 40 ms to 3 s after 10 020 ms, and from 15 040 ms to 3 s after 30 020 ms.
    assert.equal(total(windows, 'frames'), Math.floor((13_020 - 40 + 33_020 - 15_040) / ptime));
    assert.deepEqual(windows.slice(12, 16).map((w) => w.frames), [50, 1, 0, 48]);
    assert.deepEqual(windows.slice(33).map((w) => w.frames), [1, 0, 0, 0, 0, 0, 0]);
    const back = windows[15]!;
    assert.deepEqual([back.lostOrLate, back.lossRuns, back.concealed], [250, 1, 150]);
    assert.equal(total(windows, 'concealed'), 150);
    assert.ok(Math.abs(windows[20]!.playoutDelayMs! - windows[8]!.playoutDelayMs!) < 20, 'the same delay as before');
  });

  it('unwraps the RTP timestamp: a stream that wraps plays exactly like one that does not', () => {
    const network = (seed: number) => {
      const random = mulberry32(seed);
      return () => (random() < 0.02 ? null : 30 + 40 * random());
    };
    const plain = run(speech(30, network(3), 1000), 30_000);
    const wrapping = run(speech(30, network(3), 2 ** 32 - 250 * samplesPerPacket), 30_000);
    assert.ok(speech(30, () => 0, 2 ** 32 - 250 * samplesPerPacket).some((p) => p.rtp < 1000), 'the timestamp wraps');
    assert.deepEqual(round(wrapping), round(plain));
    const clean = run(speech(30, () => 30, 2 ** 32 - 250 * samplesPerPacket), 30_000);
    assert.equal(total(clean, 'concealed'), 0);
    assert.equal(clean.at(-1)!.target, 20);
  });

  it('ignores duplicates and packets over 1024 behind', () => {
    const random = mulberry32(4);
    const packets = speech(30, () => (random() < 0.03 ? null : 30 + 50 * random()));
    const plain = run(packets, 30_000);
    const copies = packets
      .filter((p) => p.arrival !== null)
      .map((p) => ({ ...p, arrival: p.arrival! + 100 * random() }));
    // Packets from long ago (a misbehaving relay), far behind the stream.
    const stale = [1200, 1300].map((seq) => ({ ...packets[seq - 1100]!, arrival: packets[seq]!.sentAt + 31 }));
    const withDuplicates = run([...packets, ...copies, ...stale], 30_000);
    assert.deepEqual(round(withDuplicates), round(plain));
    assert.ok(total(plain, 'lostOrLate') > 0);
  });
});
