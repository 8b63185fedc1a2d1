/**
 * The native media plane's addon (native/rtcstorm_media.c): where set-up builds it, and loading it.
 * Built with the system's C compiler against Node-API 8, which Node 20, 22 and 24 all provide, so
 * one build serves each; cached outside the checkout by the source's hash, as the mediasoup worker is.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cacheRoot, packageRoot } from '../../core/paths.js';

/** What the C code exports; ids are its connections and senders. */
export interface NativeMediaAddon {
  /** Datagram records are this many doubles each (the layout below). */
  readonly recordFields: number;
  open(fd: number, host: string, port: number, cipherKey: Buffer, salt: Buffer, authKey: Buffer): number;
  /** Start (true) or stop unprotecting RTP: until then RTP goes to the stack as it came. */
  receiveRtp(conn: number, on: boolean): void;
  wideSeqId(conn: number, id: number): void;
  close(conn: number): void;
  /** One SSRC's SRTP session; the header fields are those of voice sent from C (voiceSend). */
  sender(conn: number, cipherKey: Buffer, salt: Buffer, authKey: Buffer, ssrc: number, payloadType: number, wideSeqId: number, audioLevelId: number): number;
  sendRtp(sender: number, packet: Buffer, headerBytes: number): boolean;
  sendRaw(conn: number, datagram: Buffer): boolean;
  /** SRTCP is done by the addon from now on with these session keys: RTCP comes out of poll() unprotected, as `kind.rtcp`. */
  srtcp(conn: number, rxCipherKey: Buffer, rxSalt: Buffer, rxAuthKey: Buffer, txCipherKey: Buffer, txSalt: Buffer, txAuthKey: Buffer): void;
  /** The SRTCP packet of a compound at SRTCP index `index` (RFC 3711 §3.4); null when the connection has no SRTCP here or the compound is shorter than 8 bytes or longer than 1,500 (the stack protects it). */
  protectRtcp(conn: number, compound: Buffer, index: number): Buffer | null;
  poll(hostNowMs: number, records: Float64Array, arena: Buffer): number;
  /** RFC 8489 §14.5: HMAC-SHA1 of message[0, integrityAt) under key, written at integrityAt + 4. */
  stunIntegrity(message: Buffer, integrityAt: number, key: Buffer): void;
  /** A voice clip's frames as stamped templates back to back (offsets: n + 1), each with its audio level byte. */
  voiceClip(speech: Buffer, speechOffsets: Int32Array, speechLevels: Uint8Array, noise: Buffer, noiseOffsets: Int32Array, noiseLevels: Uint8Array): number;
  /** One bot's voice: the talk model (its own generator from talkSeed), the clip's frames from the bot's index, stamps from stampSender. */
  voice(clip: number, always: boolean, dtx: boolean, talkSeed: number, stampSender: number, botIndex: number, samplesPerPacket: number): number;
  closeVoice(voice: number): void;
  /** One packet time on `sender`: whether the talk model filled it (a packet was built and sent). */
  voiceSend(voice: number, sender: number, turn: number, nowMs: number): boolean;
  /** Packets the talk model would have filled in `count` packet times missed before nowMs. */
  voiceSkip(voice: number, count: number, nowMs: number, ptimeMs: number): number;
  /** A send scheduler's voices, by slot. */
  voiceBatch(slots: number): number;
  voiceJoin(voice: number, batch: number, slot: number): void;
  /** The sender a batched voice sends on (-1: none). */
  voiceOn(voice: number, sender: number): void;
  voiceSlot(batch: number, slot: number, turn: number, nowMs: number): void;
  voiceSkipSlot(batch: number, slot: number, turns: number, nowMs: number, ptimeMs: number): void;
  /** The batch ticks its slots (1 ms each) on its own clock, its 0 `startInMs` from now (negative: in the past): a thread of the addon's when `onThread`, else a libuv timer on the event loop. */
  voiceBatchRun(batch: number, startInMs: number, ptimeMs: number, onThread: boolean): void;
  voiceBatchStop(batch: number): void;
  /** Sent and skipped since the last call, into out[0], out[1]. */
  voiceTakeCounts(voice: number, out: Float64Array): void;
  /** One bot's receive accounting in C (voice_account.c); ptimeMs 0: no playout model. */
  account(ptimeMs: number, clockRateHz: number, gapThresholdMs: number, storeStartMs: number): number;
  closeAccount(account: number): void;
  /** The connection's stamped voice is counted in `account` from now on (-1: RTP to JavaScript). */
  accountRtp(conn: number, account: number): void;
  accountPacket(account: number, senderId: number, seq: number, sentAtMs: number, rtpTimestamp: number, arrivalMs: number, ssrc: number): boolean;
  accountEnd(account: number, ssrc: number): void;
  /** The next packet counted into `account` comes back from poll() as a record (once). */
  accountWatch(account: number, on: boolean): void;
  accountLastArrival(account: number): number;
  /** Doubles written into `out` (voice_account.h's layout), or minus the number needed. */
  accountTake(account: number, atMs: number, out: Float64Array): number;
  /** How voice sent from C leaves the process: a slot's packets in one io_uring submission, or a send() each. */
  sendPath(): 'io_uring' | 'send';
}

/** A record's fields, in native/rtcstorm_media.c's order. */
export const field = { conn: 0, kind: 1, arrivalMs: 2, offset: 3, length: 4, ssrc: 5, seq: 6, timestamp: 7, payloadStart: 8, payloadEnd: 9, payloadTypeMarker: 10, wideSeq: 11 } as const;
/** A record's kind: RTP unprotected, another datagram (for the stack), RTP or SRTCP that failed authentication, the first packet counted in C into a watched account (arrivalMs its arrival), or an RTCP compound unprotected (length its plain length). */
export const kind = { rtp: 0, other: 1, rejected: 2, accounted: 3, rtcp: 4 } as const;

const nativeDir = join(packageRoot, 'bots', 'native-plane', 'native');
/** The C files one gcc call compiles into the addon. */
export const addonSources = ['rtcstorm_media.c', 'voice_account.c', 'voice_send.c', 'send_ring.c'].map((file) => join(nativeDir, file));
/** Everything the build reads, its flags' file too: its hash names the cached build. */
const hashedSources = [...addonSources, join(nativeDir, 'voice_account.h'), join(nativeDir, 'voice_send.h'), join(nativeDir, 'send_ring.h'), join(packageRoot, 'bots', 'native-plane', 'build-addon.ts')];

/** Where the built addon for this source is cached; `variant` 'asan' is the AddressSanitizer build for the test job. */
export function addonPath(variant: 'release' | 'asan' = 'release'): string {
  const hash = createHash('sha256');
  for (const file of hashedSources) hash.update(readFileSync(file));
  const digest = hash.digest('hex').slice(0, 16);
  return join(cacheRoot(), 'native-plane', `${digest}-napi8`, variant === 'asan' ? 'rtcstorm_media-asan.node' : 'rtcstorm_media.node');
}

let loaded: NativeMediaAddon | Error | undefined;

/** The built addon, or why there is none (not built: run `npm run setup`; or it fails to load). */
export function loadNativeAddon(): NativeMediaAddon | Error {
  if (loaded) return loaded;
  const path = process.env.RTCSTORM_NATIVE_ADDON ?? addonPath();
  if (!existsSync(path)) return (loaded = new Error(`the native media plane is not built (${path}): run npm run setup`));
  try {
    loaded = createRequire(import.meta.url)(path) as NativeMediaAddon;
  } catch (error) {
    loaded = new Error(`the native media plane at ${path} does not load: ${(error as Error).message}`);
  }
  return loaded;
}
