/**
 * Phase 6 of the bench (see run.ts): what Node and the kernel charge per datagram, the floor under
 * the bot path's per-packet cost. The datagrams of a bench phase without WebRTC: each bot has a send
 * and a receive socket in this process, as its two peer connections have; it sends datagrams of its
 * RTP packets' sizes on its schedule (SendScheduler, TalkModel) to a forwarder in a child process,
 * which sends each to the receive sockets of the other bots of the room, as the SFU does. Handlers
 * only count. No ICE, DTLS, SRTP, stamps or metrics: what is left is the kernel's UDP path, libuv,
 * Node's call into JavaScript per datagram, and the wakeups.
 */
import { fork } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { SendScheduler } from '../bots/fleet/send-scheduler.js';
import { payloadBytes, payloadHeaderBytes } from '../bots/media-payload.js';
import { rtpHeaderBytes, srtpTagBytes } from '../bots/srtp/srtp-rtp.js';
import { TalkModel } from '../bots/talk-model.js';
import type { TalkSpec } from '../core/scenario/index.js';
import { compiledPath } from '../core/paths.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchAudio } from './bench-bot.js';
import { progress } from './progress.js';
import { cpuMs } from './resource-usage.js';
import type { FloorRooms } from './udp-forwarder.js';

export interface UdpFloor {
  bots: number;
  roomSize: number;
  talk: TalkSpec['model'];
  seconds: number;
  packets: number;
  /** This process's CPU over datagrams sent + received. */
  packetUs: number;
  loaderCores: number;
  /** Bots per core at this cost: the most a loader on Node could hold here, doing nothing else. */
  botsPerCore: number;
}

const bindLoopback = (): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve(socket));
  });

export async function measureUdpFloor(bots: number, roomSize: number, talk: TalkSpec, seconds: number): Promise<UdpFloor> {
  progress(`UDP floor: ${bots} bots in rooms of ${roomSize}, ${talk.model} talk, ${seconds} s`);
  const forwarder = fork(compiledPath('bench/udp-forwarder.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sockets: Socket[] = [];
  const scheduler = new SendScheduler(benchAudio.ptimeMs);
  try {
    const forwarderPort = await new Promise<number>((resolve, reject) => {
      forwarder.once('message', (message: { port: number }) => resolve(message.port));
      forwarder.once('exit', (code) => reject(new Error(`bench: the UDP forwarder exited (${code}) before it listened`)));
    });
    let packets = 0;
    const countPacket = (): void => void packets++;
    const rooms: FloorRooms = [];
    const speech = Buffer.alloc(rtpHeaderBytes + payloadBytes(benchAudio.bitrateKbps, benchAudio.ptimeMs) + srtpTagBytes);
    const comfortNoise = Buffer.alloc(rtpHeaderBytes + payloadHeaderBytes + srtpTagBytes);
    for (let id = 0; id < bots; id++) {
      const [send, receive] = [await bindLoopback(), await bindLoopback()];
      sockets.push(send, receive);
      receive.on('message', countPacket);
      await new Promise<void>((resolve) => send.connect(forwarderPort, '127.0.0.1', resolve));
      if (id % roomSize === 0) rooms.push([]);
      rooms.at(-1)!.push({ send: send.address().port, receive: receive.address().port });
      const model = new TalkModel(talk, Math.random);
      scheduler.add({
        sendPacket() {
          const kind = model.next(performance.now());
          if (kind === 'none') return;
          // A copy per datagram, as each bot packet is a buffer of its own.
          send.send(Buffer.from(kind === 'speech' ? speech : comfortNoise));
          packets++;
        },
        // The floor counts what was sent; what a stall skipped costs nothing.
        skipPackets() {},
      });
    }
    forwarder.send(rooms);
    await new Promise((resolve) => forwarder.once('message', resolve));
    scheduler.start();
    await sleep(1000);
    const packets0 = packets;
    const cpu0 = cpuMs();
    const wall0 = performance.now();
    await sleep(seconds * 1000);
    const loaderCpuMs = cpuMs() - cpu0;
    const wallMs = performance.now() - wall0;
    const measured = packets - packets0;
    const loaderCores = loaderCpuMs / wallMs;
    return { bots, roomSize, talk: talk.model, seconds: wallMs / 1000, packets: measured, packetUs: (loaderCpuMs * 1000) / Math.max(1, measured), loaderCores, botsPerCore: bots / loaderCores };
  } finally {
    scheduler.stop();
    for (const socket of sockets) socket.close();
    forwarder.kill();
  }
}
