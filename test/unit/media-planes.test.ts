/**
 * The native and the TypeScript media planes on the same datagrams, over real loopback sockets:
 * one recording of SRTP packets (a stamped voice stream with loss, reordering, a duplicate, a forged
 * packet, a sequence-number wrap, plus a STUN datagram for the stack) is sent to a socket of each
 * plane at once; every packet each hands up, and every metric the bots' accounting makes of them,
 * must be the same, and so must what each sends. The native plane also counts them in C (its own
 * voice receiver): the same counts and samples (voice-accounting.test.ts holds the values equal).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MetricStore } from '../../core/metrics/store.js';
import type { MediaConnection, MediaPlane, MediaTransport, RtpSendPath, VoiceReceiver, VoiceSender } from '../../ports/media-plane.js';
import { fillerClip, voiceClip } from '../../bots/voice/voice-clip.js';
import { ScriptVoiceSender } from '../../bots/voice/voice-sender.js';
import { nativeMediaPlane } from '../../bots/native-plane/native-plane.js';
import { loadNativeAddon } from '../../bots/native-plane/native-addon.js';
import { typescriptMediaPlane } from '../../bots/werift/fast-media.js';
import { deriveSessionKeys } from '../../bots/srtp/session-keys.js';
import { rtpHeaderBytes, srtpTagBytes, SrtpRtpReceiver, SrtpRtpSender, writeRtpHeader } from '../../bots/srtp/srtp-rtp.js';
import { writeStampedOpus, emptyOpusFrame } from '../../bots/opus-stamp.js';
import { StreamReceiver } from '../../bots/stream-receiver.js';
import { hostNowMs } from '../../bots/clock.js';
import { SrtcpSession } from 'werift';

/** A loopback socket with room for a burst: a test that sends faster than JavaScript reads (under ASan) must not lose what it compares. */
const bind = (): Promise<Socket> =>
  new Promise((resolve) => {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    socket.bind(0, '127.0.0.1', () => resolve(socket));
  });

/** The far end's keys (what it sends with) and ours. */
const far = { key: randomBytes(16), salt: randomBytes(14) };
const near = { key: randomBytes(16), salt: randomBytes(14) };

interface StackRecord {
  connection: MediaConnection;
  /** Datagrams handed to the stack as they came. */
  delivered: Buffer[];
  /** RTCP compounds the plane unprotected for the stack. */
  rtcp: Buffer[];
  /** What the plane asked the stack to protect its SRTCP with, if it did. */
  protect: ((compound: Buffer, index: number) => Buffer | undefined) | undefined;
}

/** A connection of the stack, as a plane sees it: a real socket, with what the stack would do recorded. */
function connectionOn(socket: Socket, remote: Socket): StackRecord {
  const delivered: Buffer[] = [];
  const record: StackRecord = { connection: { mediaTransport: async () => transport }, delivered, rtcp: [], protect: undefined };
  const transport: MediaTransport = {
    socket,
    remote: ['127.0.0.1', remote.address().port],
    keys: { localMasterKey: near.key, localMasterSalt: near.salt, remoteMasterKey: far.key, remoteMasterSalt: far.salt },
    consent: { username: 'far:near', password: 'p'.repeat(22), tieBreaker: 1n, nominate: false },
    retireConsent: () => undefined,
    consentExpired: () => undefined,
    deliver: (data) => delivered.push(Buffer.from(data)),
    routeSends: () => undefined,
    onRtcp: () => undefined,
    deliverRtcp: (compound) => record.rtcp.push(Buffer.from(compound)),
    protectRtcpWith: (protect) => (record.protect = protect),
    sendRtcp: () => undefined,
  };
  return record;
}

/** werift's SRTCP session (AES_CM_128_HMAC_SHA1_80) of the end whose own keys are `local`. */
const srtcpOf = (local: typeof far, remote: typeof far): SrtcpSession =>
  new SrtcpSession({ keys: { localMasterKey: local.key, localMasterSalt: local.salt, remoteMasterKey: remote.key, remoteMasterSalt: remote.salt }, profile: 0x0001 });

/** A sender report and a receiver report in one compound, their report fields seeded. */
function rtcpCompound(seed: number): Buffer {
  const sr = Buffer.alloc(28);
  const rr = Buffer.alloc(32);
  for (let i = 8; i < sr.length; i++) sr[i] = (seed * 31 + i) & 0xff;
  for (let i = 8; i < rr.length; i++) rr[i] = (seed * 17 + i) & 0xff;
  sr.writeUInt16BE(0x80c8, 0);
  sr.writeUInt16BE(sr.length / 4 - 1, 2);
  sr.writeUInt32BE(0x1234abcd, 4);
  rr.writeUInt16BE(0x81c9, 0);
  rr.writeUInt16BE(rr.length / 4 - 1, 2);
  rr.writeUInt32BE(0x1234abcd, 4);
  return Buffer.concat([sr, rr]);
}

interface Heard {
  packets: string[];
  store: MetricStore;
  receiver: VoiceReceiver;
  arrivals: number[];
}

/** The recording: sender 7's stream across a sequence-number wrap, with what a network does to it. */
function recording(): Buffer[] {
  const sender = new SrtpRtpSender(deriveSessionKeys(far.key, far.salt, 'rtp'));
  const stamp = { senderId: 7, seq: 0, sentAtMs: 0 };
  const frame = Uint8Array.of(0xfc, 1, 2, 3, 4, 5, 6, 7);
  const packets: Buffer[] = [];
  for (let i = 0; i < 120; i++) {
    const seq = (65500 + i) & 0xffff;
    stamp.seq = i;
    stamp.sentAtMs = hostNowMs();
    const payload = Buffer.alloc(frame.length + 40);
    const length = writeStampedOpus(i % 10 === 9 ? emptyOpusFrame : frame, stamp, payload, 0);
    const buf = Buffer.alloc(rtpHeaderBytes + length + srtpTagBytes);
    writeRtpHeader(buf, { payloadType: 111, seq, timestamp: i * 960, ssrc: 0x1234abcd, marker: i === 0 });
    payload.copy(buf, rtpHeaderBytes, 0, length);
    sender.protect(buf, rtpHeaderBytes, rtpHeaderBytes + length);
    packets.push(buf);
  }
  const lost = new Set([5, 6, 40, 77]);
  const out = packets.filter((_, i) => !lost.has(i));
  // Reordered, duplicated, forged.
  [out[20], out[21]] = [out[21]!, out[20]!];
  out.splice(30, 0, Buffer.from(out[29]!));
  const forged = Buffer.from(out[50]!);
  forged[forged.length - 1]! ^= 1;
  out.splice(51, 0, forged);
  // A STUN Binding request: not RTP, for the stack.
  const stun = Buffer.alloc(20);
  stun.writeUInt16BE(0x0001, 0);
  stun.writeUInt32BE(0x2112a442, 4);
  out.splice(10, 0, stun);
  return out;
}

describe('media planes: native and TypeScript on the same datagrams', () => {
  const sockets: Socket[] = [];
  let native: MediaPlane;

  before(() => {
    const plane = nativeMediaPlane();
    if (plane instanceof Error) throw new Error(`the native plane must be built by npm run setup: ${plane.message}`);
    native = plane;
  });
  after(() => sockets.forEach((s) => s.close()));

  /** Two far ends, each keeping what it receives. */
  const farEnds = async (): Promise<{ far1: Socket; far2: Socket; got: Map<Socket, Buffer[]> }> => {
    const far1 = await bind();
    const far2 = await bind();
    sockets.push(far1, far2);
    const got = new Map<Socket, Buffer[]>([[far1, []], [far2, []]]);
    for (const s of [far1, far2]) s.on('message', (m) => got.get(s)!.push(m));
    return { far1, far2, got };
  };

  it('hands up the same packets and makes the same metrics of them', async () => {
    const source = await bind();
    sockets.push(source);
    const heard = new Map<string, Heard>();
    const delivered = new Map<string, Buffer[]>();
    const targets: Socket[] = [];
    // The native plane twice: handing packets up to the JavaScript accounting, and counting them in C itself.
    for (const [name, plane] of [['native', native], ['typescript', typescriptMediaPlane], ['native-counted', native]] as const) {
      const socket = await bind();
      sockets.push(socket);
      targets.push(socket);
      const { connection, delivered: toStack } = connectionOn(socket, source);
      delivered.set(name, toStack);
      const store = new MetricStore(hostNowMs());
      const options = { store, group: 'g', room: 'room-0', clockRateHz: 48_000, gapThresholdMs: 200, playout: { ptimeMs: 20 } };
      const counted = name === 'native-counted';
      const receiver = counted ? plane.voiceReceiver!(options) : new StreamReceiver(options);
      const entry: Heard = { packets: [], store, receiver, arrivals: [] };
      heard.set(name, entry);
      if (counted) receiver.onceMedia((at) => entry.arrivals.push(at));
      await plane.receive(connection, (bytes, timestamp, start, end, header) => {
        entry.packets.push(`${header.ssrc}/${header.seq}/${timestamp}/${header.payloadType}/${header.marker}/${Buffer.from(bytes.subarray(start, end)).toString('hex')}`);
        const arrivalMs = header.arrivalMs ?? hostNowMs();
        if (!counted) entry.arrivals.push(arrivalMs);
        receiver.onPayload(bytes, timestamp, start, end, header.ssrc, arrivalMs);
      }, () => undefined, undefined, counted ? receiver : undefined);
    }
    for (const datagram of recording()) {
      for (const target of targets) source.send(datagram, target.address().port, '127.0.0.1');
      await sleep(2);
    }
    await sleep(200);
    const a = heard.get('native')!;
    const b = heard.get('typescript')!;
    // 120 sent, 4 lost, 1 duplicated, 1 forged (dropped by both).
    assert.equal(b.packets.length, 117);
    assert.deepEqual(a.packets, b.packets);
    assert.deepEqual(delivered.get('native')!.map((d) => d.toString('hex')), delivered.get('typescript')!.map((d) => d.toString('hex')));
    assert.equal(delivered.get('native')!.length, 1);
    const c = heard.get('native-counted')!;
    // Counted in C, nothing is handed up but the first packet's arrival (asked for with onceMedia); the STUN datagram still goes to the stack.
    assert.equal(c.packets.length, 0);
    assert.equal(c.arrivals.length, 1);
    assert.equal(delivered.get('native-counted')!.length, 1);
    assert.ok(c.receiver.lastArrivalMs >= c.arrivals[0]! && c.receiver.lastArrivalMs < hostNowMs(), 'the latest arrival, on the host clock');
    const at = hostNowMs() + 1000;
    for (const entry of [a, b, c]) entry.receiver.sampleSecond(at);
    for (const metric of ['packets_received', 'packets_expected'] as const) {
      assert.equal(a.store.counter(metric), b.store.counter(metric), metric);
      assert.equal(c.store.counter(metric), b.store.counter(metric), `${metric} counted in C`);
    }
    assert.equal(a.store.counter('packets_expected') - a.store.counter('packets_received'), 4, 'the 4 lost packets, as loss');
    for (const metric of ['e2e_latency_ms', 'jitter_ms', 'mos', 'audio_concealed_ratio', 'playout_delay_ms', 'media_gap_ms'] as const) {
      assert.equal(a.store.histogram(metric).count, b.store.histogram(metric).count, `${metric} samples`);
      assert.equal(c.store.histogram(metric).count, b.store.histogram(metric).count, `${metric} samples counted in C`);
    }
    c.receiver.close();
    // The native plane's arrival is the kernel's receive time: never later than the moment JavaScript
    // heard the same datagram on the other socket, and typically earlier by about its poll interval.
    const early = a.arrivals.map((at, i) => b.arrivals[i]! - at).sort((x, y) => x - y);
    assert.ok(early[0]! > -0.5, `native arrival later by ${-early[0]!} ms`);
    assert.ok(early[early.length >> 1]! < 10, `native arrival earlier by a median ${early[early.length >> 1]} ms`);
  });

  it('sends what the TypeScript plane sends, byte for byte', async () => {
    const { far1, far2, got } = await farEnds();
    const senders: RtpSendPath[] = [];
    for (const [plane, remote] of [[native, far1], [typescriptMediaPlane, far2]] as const) {
      const socket = await bind();
      sockets.push(socket);
      senders.push(await plane.openSender(connectionOn(socket, remote).connection, 0xfeed, 111, () => undefined, {}));
    }
    // The TypeScript plane connects its socket first (dgram's connect is asynchronous).
    await sleep(100);
    for (let i = 0; i < 50; i++) {
      for (const sender of senders) {
        const seq = (65530 + i) & 0xffff;
        const packet = sender.packet(60, seq, i * 960);
        packet.payload.fill(i);
        sender.send(packet.buf);
      }
    }
    await sleep(200);
    const isRtp = (m: Buffer): boolean => m[0]! >= 128 && m[0]! <= 191;
    const [fromNative, fromTypescript] = [got.get(far1)!.filter(isRtp), got.get(far2)!.filter(isRtp)];
    assert.equal(fromTypescript.length, 50);
    assert.deepEqual(fromNative.map((m) => m.toString('hex')), fromTypescript.map((m) => m.toString('hex')));
    // And the far end reads them back.
    const receiver = new SrtpRtpReceiver(deriveSessionKeys(near.key, near.salt, 'rtp'));
    assert.ok(fromNative.every((m, i) => receiver.unprotect(m) && receiver.packet.seq === ((65530 + i) & 0xffff)));
  });

  it("sends a bot's voice as the TypeScript sender does, byte for byte, from the same seed", async () => {
    const variants = [
      { extensions: {}, talk: { model: 'p59', dtx: true }, clip: voiceClip(32, 20) },
      { extensions: { audioLevelId: 1 }, talk: { model: 'p59', dtx: true }, clip: voiceClip(32, 20) },
      { extensions: { wideSeqId: 3 }, talk: { model: 'always' }, clip: fillerClip(32, 20) },
    ] as const;
    for (const [v, variant] of variants.entries()) {
      const { far1, far2, got } = await farEnds();
      const spec = { clip: variant.clip, talk: variant.talk, talkSeed: 0x9e3779b9 + v, botId: 41 + v, samplesPerPacket: 960, ptimeMs: 20 };
      const paths: Array<{ path: RtpSendPath; voice: VoiceSender }> = [];
      for (const [plane, remote, voice] of [[native, far1, native.voiceSender!(spec)], [typescriptMediaPlane, far2, new ScriptVoiceSender(spec)]] as const) {
        const socket = await bind();
        sockets.push(socket);
        paths.push({ path: await plane.openSender(connectionOn(socket, remote).connection, 0xbeef, 111, () => undefined, variant.extensions), voice });
      }
      await sleep(100);
      // 30 s of packet times, at the times a process's clock might read (a little late, never in step).
      const base = hostNowMs();
      let skipped = 0;
      for (let turn = 0; turn < 1500; turn++) {
        const now = base + turn * 20 + ((turn * 7919) % 13) / 10;
        if (turn % 250 >= 160 && turn % 250 < 200) continue;
        if (turn % 250 === 200) {
          // A stall: the 40 packet times before this one were missed (the send scheduler's skip).
          const [a, b] = paths.map(({ voice }) => voice.skip(40, now));
          assert.equal(a, b, `packet times skipped at turn ${turn}`);
          skipped += a!;
        }
        const [a, b] = paths.map(({ path, voice }) => voice.send(path, turn, now));
        assert.equal(a, b, `turn ${turn}`);
        if (turn % 25 === 24) await sleep(3);
      }
      assert.ok(skipped > 0);
      await sleep(200);
      const isRtp = (m: Buffer): boolean => m[0]! >= 128 && m[0]! <= 191;
      const [fromNative, fromTypescript] = [got.get(far1)!.filter(isRtp), got.get(far2)!.filter(isRtp)];
      assert.ok(fromTypescript.length > (variant.talk.model === 'always' ? 1200 : 300), `${fromTypescript.length} packets`);
      assert.deepEqual(fromNative.map((m) => m.toString('hex')), fromTypescript.map((m) => m.toString('hex')));
      paths[0]!.voice.close();
      paths[0]!.voice.close();
    }
  });

  it('sends a batch of voices a slot at a time as each would alone, and nothing while off', async () => {
    const { far1, far2, got } = await farEnds();
    const spec = { clip: voiceClip(32, 20), talk: { model: 'p59', dtx: true } as const, talkSeed: 77, botId: 5, samplesPerPacket: 960, ptimeMs: 20 };
    const paths: RtpSendPath[] = [];
    for (const remote of [far1, far2]) {
      const socket = await bind();
      sockets.push(socket);
      paths.push(await native.openSender(connectionOn(socket, remote).connection, 0xcafe, 111, () => undefined, { audioLevelId: 2 }));
    }
    const alone = native.voiceSender!(spec);
    const batched = native.voiceSender!(spec);
    const batch = native.voiceBatch!(20, 20);
    assert.equal(batched.joinBatch!(batch, 7), true);
    assert.equal('joinBatch' in new ScriptVoiceSender(spec), false, 'a JavaScript sender is not the batch\'s');
    const base = hostNowMs();
    let sentAlone = 0;
    let skippedAlone = 0;
    for (let turn = 0; turn < 600; turn++) {
      // Off (the bot not connected) for turns 100-149: neither sends, nor draws from its talk model.
      const on = turn < 100 || turn >= 150;
      batched.sendOn!(on ? paths[1] : undefined);
      const now = base + turn * 20;
      if (turn === 300) {
        skippedAlone += alone.skip(30, now);
        batch.skipSlot(7, 30, now);
      }
      if (turn >= 270 && turn < 300) continue;
      if (on && alone.send(paths[0]!, turn, now)) sentAlone++;
      batch.sendSlot(7, turn, now);
      batch.sendSlot(6, turn, now);
      if (turn % 50 === 49) await sleep(3);
    }
    await sleep(200);
    const counts = batched.takeCounts!();
    assert.equal(counts.sent, sentAlone);
    assert.ok(sentAlone > 100);
    assert.deepEqual(got.get(far2)!.map((m) => m.toString('hex')), got.get(far1)!.map((m) => m.toString('hex')));
    assert.equal(counts.skipped, skippedAlone);
    batched.close();
    alone.close();
    batch.sendSlot(7, 600);
    assert.deepEqual(batched.takeCounts!(), { sent: 0, skipped: 0 });
  });

  it('sends a slot of more voices than its io_uring holds (or a send() each, RTCSTORM_NATIVE_IO_URING=0): every packet leaves, on its own socket', async () => {
    const addon = loadNativeAddon();
    assert.ok(!(addon instanceof Error));
    const path = addon.sendPath();
    if (process.env.RTCSTORM_NATIVE_IO_URING === '0') assert.equal(path, 'send');
    console.log(`# voice from C leaves through ${path}`);
    // 300 voices in one slot, over the ring's 256 buffers: it is flushed when full. Eight far ends, so none overflows its buffer.
    const fars: Socket[] = [];
    const heard = new Map<number, number>();
    for (let f = 0; f < 8; f++) {
      const far = await bind();
      sockets.push(far);
      fars.push(far);
      far.on('message', (m: Buffer) => void (m[0]! >= 128 && m[0]! <= 191 && heard.set(m.readUInt32BE(8), (heard.get(m.readUInt32BE(8)) ?? 0) + 1)));
    }
    const spec = { clip: voiceClip(32, 20), talk: { model: 'always' } as const, talkSeed: 5, botId: 1, samplesPerPacket: 960, ptimeMs: 20 };
    const batch = native.voiceBatch!(20, 20);
    const voices: VoiceSender[] = [];
    for (let k = 0; k < 300; k++) {
      const socket = await bind();
      sockets.push(socket);
      const sender = await native.openSender(connectionOn(socket, fars[k % 8]!).connection, 0x5000 + k, 111, () => undefined);
      const voice = native.voiceSender!(spec);
      assert.equal(voice.joinBatch!(batch, 4), true);
      voice.sendOn!(sender);
      voices.push(voice);
    }
    const base = hostNowMs();
    for (let turn = 0; turn < 3; turn++) {
      batch.sendSlot(4, turn, base + turn * 20);
      await sleep(30);
    }
    await sleep(200);
    const sent = voices.reduce((sum, v) => sum + v.takeCounts!().sent, 0);
    assert.equal(sent, 900);
    assert.equal(heard.size, 300, 'every voice was heard');
    assert.ok([...heard.values()].every((n) => n === 3), 'each voice\'s three packets arrived');
    voices.forEach((v) => v.close());
  });

  // On its thread (the default) a stalled event loop does not stop the voices; on the event loop's timer (RTCSTORM_NATIVE_SEND_TIMER=uv)
  // the stall's turns are skipped and counted, as the scheduler's JavaScript tick does.
  for (const mode of ['thread', 'uv'] as const)
  it(`runs a batch on its own clock in C (${mode === 'thread' ? 'a thread' : "the event loop's timer"}): each voice once per packet time in its slot, ${mode === 'thread' ? 'through a 150 ms stall of the event loop' : "a stall's turns counted as skipped"}, nothing after stop`, async () => {
    const { far1, far2 } = await farEnds();
    const arrivals = new Map<Socket, Array<{ atMs: number; timestamp: number }>>([[far1, []], [far2, []]]);
    for (const s of [far1, far2]) s.on('message', (m: Buffer) => void (m[0]! >= 128 && m[0]! <= 191 && arrivals.get(s)!.push({ atMs: performance.now(), timestamp: m.readUInt32BE(4) })));
    const spec = { clip: voiceClip(32, 20), talk: { model: 'always' } as const, talkSeed: 3, botId: 9, samplesPerPacket: 960, ptimeMs: 20 };
    const batch = native.voiceBatch!(20, 20);
    const voices = [far1, far2].map(() => native.voiceSender!(spec));
    for (const [k, remote] of [far1, far2].entries()) {
      const socket = await bind();
      sockets.push(socket);
      const path = await native.openSender(connectionOn(socket, remote).connection, 0xbee0 + k, 111, () => undefined);
      assert.equal(voices[k]!.joinBatch!(batch, k === 0 ? 3 : 13), true);
      voices[k]!.sendOn!(path);
    }
    const startedAt = performance.now() + 5;
    const timer = process.env.RTCSTORM_NATIVE_SEND_TIMER;
    process.env.RTCSTORM_NATIVE_SEND_TIMER = mode;
    batch.run!(startedAt);
    if (timer === undefined) delete process.env.RTCSTORM_NATIVE_SEND_TIMER;
    else process.env.RTCSTORM_NATIVE_SEND_TIMER = timer;
    await sleep(400);
    const until = performance.now() + 150;
    while (performance.now() < until); // the event loop (and a libuv timer) is blocked for 7.5 packet times
    await sleep(400);
    batch.stop!();
    const stoppedAt = performance.now();
    batch.stop!();
    await sleep(100);
    for (const [k, far] of [far1, far2].entries()) {
      const got = arrivals.get(far)!;
      const slot = k === 0 ? 3 : 13;
      const turns = Math.floor((stoppedAt - startedAt - slot) / 20) + 1;
      const counts = voices[k]!.takeCounts!();
      assert.equal(counts.sent, got.length, 'what it counts as sent arrived');
      // Turns the clock was late for when it stopped are neither sent nor skipped: a loaded host (ASan's) may leave two or three.
      assert.ok(counts.sent + counts.skipped >= turns - 3 && counts.sent + counts.skipped <= turns + 1, `sent ${counts.sent} + skipped ${counts.skipped} against ${turns} packet times`);
      if (mode === 'thread') assert.equal(counts.skipped, 0, 'the thread sends through the event loop\'s stall');
      else assert.ok(counts.skipped >= 5 && counts.skipped <= 12, `a 150 ms stall skips 6-7 packet times (a loaded host's more): ${counts.skipped}`);
      // Consecutive turns but jumps over the skipped ones (one over the stall; a loaded host, ASan's, may stall the loop again after it).
      const steps = got.slice(1).map((p, i) => ((p.timestamp - got[i]!.timestamp) >>> 0) / 960);
      assert.ok(steps.every((n) => Number.isInteger(n) && n >= 1), `RTP timestamp steps in turns: ${steps.join(',')}`);
      assert.equal(steps.reduce((sum, n) => sum + n - 1, 0), counts.skipped, `RTP timestamps jump over the skipped turns: ${steps.join(',')}`);
      // In its slot of the packet time: the median phase of arrivals, whatever a late tick delays.
      const phases = got.map((p) => (((p.atMs - startedAt) % 20) + 20) % 20).sort((a, b) => a - b);
      const phase = phases[phases.length >> 1]!;
      assert.ok(phase >= slot && phase < slot + 4, `voice in slot ${slot} arrives at phase ${phase.toFixed(2)} ms of 20`);
      assert.ok(got.every((p) => p.atMs < stoppedAt + 2), 'nothing is sent after stop');
      voices[k]!.close();
    }
  });

  it("does SRTCP both ways as werift does: the stack gets the compounds werift would decrypt, the far end werift's own bytes", async () => {
    const source = await bind();
    sockets.push(source);
    const stacks: Array<[Socket, StackRecord]> = [];
    for (const plane of [native, typescriptMediaPlane]) {
      const socket = await bind();
      sockets.push(socket);
      const stack = connectionOn(socket, source);
      stacks.push([socket, stack]);
      await plane.receive(stack.connection, () => undefined, () => undefined);
    }
    const [[, nativeStack], [, typescriptStack]] = stacks as [[Socket, StackRecord], [Socket, StackRecord]];
    const compounds = [1, 2, 3, 4].map(rtcpCompound);
    const farSrtcp = srtcpOf(far, near);
    const datagrams = compounds.map((compound) => farSrtcp.encrypt(compound));
    const forged = Buffer.from(datagrams[1]!);
    forged[forged.length - 1]! ^= 1;
    // Shorter than a header, an index and a tag.
    const short = Buffer.from(datagrams[2]!.subarray(0, 21));
    for (const datagram of [datagrams[0]!, forged, datagrams[1]!, short, datagrams[2]!, datagrams[3]!]) {
      for (const [socket] of stacks) source.send(datagram, socket.address().port, '127.0.0.1');
    }
    await sleep(200);
    // The TypeScript plane hands the stack the datagrams as they came, and werift decrypts them; the native plane does SRTCP itself.
    const nearSrtcp = srtcpOf(near, far);
    const weriftDecrypted = typescriptStack.delivered.flatMap((datagram) => {
      try {
        return [nearSrtcp.decrypt(datagram)];
      } catch {
        return [];
      }
    });
    assert.equal(typescriptStack.delivered.length, 6);
    assert.deepEqual(weriftDecrypted.map((c) => c.toString('hex')), compounds.map((c) => c.toString('hex')));
    assert.deepEqual(nativeStack.rtcp.map((c) => c.toString('hex')), compounds.map((c) => c.toString('hex')));
    assert.equal(nativeStack.delivered.length, 0, 'the forged and the short one are dropped, nothing goes to the stack encrypted');
    // The stack's compounds, protected in C at the stack's index: werift's own bytes at that index, which the far end decrypts.
    const protect = nativeStack.protect;
    assert.ok(protect, 'the native plane protects the stack\'s SRTCP');
    const nearContext = (srtcpOf(near, far) as unknown as { localContext: { cipher: { encryptRTCP(compound: Buffer, index: number): Buffer } } }).localContext;
    for (const [i, index] of [1, 2, 0x7fffffff].entries()) {
      const compound = compounds[i]!;
      const protectedRtcp: Buffer = protect(compound, index)!;
      assert.equal(protectedRtcp.toString('hex'), nearContext.cipher.encryptRTCP(compound, index).toString('hex'), `index ${index}`);
      assert.equal(srtcpOf(far, near).decrypt(protectedRtcp).toString('hex'), compound.toString('hex'));
    }
    // Longer than a datagram the addon takes: the stack protects it itself.
    assert.equal(protect(Buffer.concat([compounds[0]!, Buffer.alloc(1500)]), 3), undefined);
  });

  it('drops malformed and forged datagrams without reading past them (run under AddressSanitizer by scripts/test-native-asan.sh)', async () => {
    const source = await bind();
    const socket = await bind();
    sockets.push(source, socket);
    const { connection, delivered, rtcp } = connectionOn(socket, source);
    let handedUp = 0;
    await native.receive(connection, () => void handedUp++, () => undefined, { wideSeqId: 3 });
    // Seeded: every length from 0 to 64 bytes and some long ones, RTP-looking first bytes with the
    // extension, padding and CSRC-count bits in every combination.
    let state = 12345;
    const next = (): number => (state = (state * 1103515245 + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 1500; i++) {
      const length = i < 650 ? i % 65 : 65 + (next() << 2);
      const datagram = Buffer.alloc(length);
      for (let k = 0; k < length; k++) datagram[k] = next();
      if (length > 0) datagram[0] = 0x80 | (i & 0x3f);
      if (length > 1) datagram[1] = i % 3 === 0 ? 0xc8 : 111;
      source.send(datagram, socket.address().port, '127.0.0.1');
      if (i % 100 === 99) await sleep(10);
    }
    await sleep(200);
    assert.equal(handedUp, 0);
    // RTCP-typed ones fail SRTCP's authentication: none reaches the stack. What is neither (0 or 1 byte long) goes to it as it came.
    assert.equal(rtcp.length, 0);
    assert.ok(delivered.length > 0 && delivered.every((d) => d.length < 2), `${delivered.length} delivered, lengths ${[...new Set(delivered.map((d) => d.length))].join(', ')}`);
  });
});
