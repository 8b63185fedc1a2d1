/**
 * ICE consent freshness (RFC 7675) for a connection on the fast media path, in place of werift's
 * own checks, which allocate a transaction, an AbortController and a DOMException per check in code
 * too cold to be optimised (their cost: docs/werift.md). This one writes the Binding request into a
 * buffer kept for the connection and only renews its transaction id and the two checksums per check.
 *
 * A response counts when it is a Binding success with the id of the check in flight; on a socket
 * connected to the SFU that is the SFU's answer (its integrity is not verified). Without an answer
 * for 30 s, consent expires and sending must stop.
 */
import { createHmac, randomFillSync } from 'node:crypto';
import { crc32 } from 'node:zlib';

const headerBytes = 20;
const magicCookie = 0x2112a442;
const bindingRequest = 0x0001;
const bindingSuccess = 0x0101;
const attribute = { username: 0x0006, priority: 0x0024, useCandidate: 0x0025, iceControlling: 0x802a, messageIntegrity: 0x0008, fingerprint: 0x8028 } as const;
const fingerprintXor = 0x5354554e;
/** RFC 8445 §5.1.2.1 for a peer-reflexive UDP candidate of component 1, as werift sends it. */
export const prflxPriority = 110 * 2 ** 24 + 65535 * 2 ** 8 + 255;

export const consentIntervalMs = 5000;
export const consentTimeoutMs = 30_000;

/** Writes MESSAGE-INTEGRITY's HMAC-SHA1 of message[0, integrityAt) under key at integrityAt + 4 (RFC 8489 §14.5). */
export type StunIntegrity = (message: Buffer, integrityAt: number, key: Buffer) => void;

/** Node's crypto: a Hmac object per check (the native plane's addon has a cheaper one: OpenSSL 3 looks the algorithm up each time). */
const nodeIntegrity: StunIntegrity = (message, integrityAt, key) => {
  createHmac('sha1', key).update(message.subarray(0, integrityAt)).digest().copy(message, integrityAt + 4);
};

export interface BindingRequestFields {
  /** "remote ufrag:local ufrag" */
  username: string;
  /** The remote end's ICE password: the key of MESSAGE-INTEGRITY. */
  password: string;
  tieBreaker: bigint;
  /** USE-CANDIDATE, as a controlling agent facing an ICE-lite peer keeps sending it. */
  nominate: boolean;
}

/** A Binding request (ICE-CONTROLLING) whose transaction id and checksums `renew` rewrites. */
export class BindingRequest {
  readonly bytes: Buffer;
  private readonly integrity: StunIntegrity;
  /** Where the MESSAGE-INTEGRITY and FINGERPRINT attributes start. */
  private readonly integrityAt: number;
  private readonly fingerprintAt: number;
  private readonly key: Buffer;

  constructor(fields: BindingRequestFields, integrity: StunIntegrity = nodeIntegrity) {
    this.integrity = integrity;
    const username = Buffer.from(fields.username, 'utf8');
    const padded = (n: number): number => (n + 3) & ~3;
    const size = headerBytes + 4 + padded(username.length) + 8 + 12 + (fields.nominate ? 4 : 0) + 24 + 8;
    const bytes = Buffer.alloc(size);
    bytes.writeUInt16BE(bindingRequest, 0);
    bytes.writeUInt32BE(magicCookie, 4);
    let at = headerBytes;
    const attr = (type: number, length: number): number => {
      bytes.writeUInt16BE(type, at);
      bytes.writeUInt16BE(length, at + 2);
      const value = at + 4;
      at = value + padded(length);
      return value;
    };
    username.copy(bytes, attr(attribute.username, username.length));
    bytes.writeUInt32BE(prflxPriority, attr(attribute.priority, 4));
    bytes.writeBigUInt64BE(fields.tieBreaker, attr(attribute.iceControlling, 8));
    if (fields.nominate) attr(attribute.useCandidate, 0);
    this.integrityAt = at;
    attr(attribute.messageIntegrity, 20);
    this.fingerprintAt = at;
    attr(attribute.fingerprint, 4);
    this.bytes = bytes;
    this.key = Buffer.from(fields.password, 'utf8');
  }

  /** The transaction id of the current request. */
  get transactionId(): Buffer {
    return this.bytes.subarray(8, headerBytes);
  }

  /** A new transaction id, and MESSAGE-INTEGRITY and FINGERPRINT over it (RFC 8489 §14.5, §14.7). */
  renew(): Buffer {
    const { bytes, integrityAt, fingerprintAt } = this;
    randomFillSync(bytes, 8, 12);
    // Each checksum covers the message up to its own attribute, with a length that counts that attribute.
    bytes.writeUInt16BE(fingerprintAt - headerBytes, 2);
    this.integrity(bytes, integrityAt, this.key);
    bytes.writeUInt16BE(bytes.length - headerBytes, 2);
    bytes.writeUInt32BE((crc32(bytes.subarray(0, fingerprintAt)) ^ fingerprintXor) >>> 0, fingerprintAt + 4);
    return bytes;
  }
}

export interface ConsentOptions extends BindingRequestFields {
  send(request: Buffer): void;
  /** MESSAGE-INTEGRITY's HMAC (default: Node's crypto). */
  integrity?: StunIntegrity;
  /** No answer for 30 s. */
  onExpired(): void;
}

/** How often the consent clock looks for due checks. */
export const consentTickMs = 250;

/**
 * One timer for every connection's checks: it looks for due ones every `consentTickMs`. A timer per
 * connection woke the event loop 51 times a second at 256 connections, and each wake-up of it costs
 * this VM about 0.1 ms of CPU (docs/native-plane.md).
 */
export class ConsentClock {
  private readonly due = new Map<ConsentChecks, number>();
  private timer: NodeJS.Timeout | undefined;

  /** `now` and `runTimer: false` are for tests, which call tick() themselves. */
  constructor(
    readonly now: () => number = () => performance.now(),
    private readonly runTimer = true,
  ) {}

  at(checks: ConsentChecks, atMs: number): void {
    this.due.set(checks, atMs);
    if (this.runTimer && !this.timer) {
      this.timer = setInterval(() => this.tick(), consentTickMs);
      this.timer.unref();
    }
  }

  remove(checks: ConsentChecks): void {
    this.due.delete(checks);
    if (this.due.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Runs the checks that are due. */
  tick(): void {
    const now = this.now();
    for (const [checks, atMs] of this.due) if (atMs <= now) checks.check();
  }
}

const sharedClock = new ConsentClock();

/** Checks every 5 s ± 20% (RFC 7675 §5.1), until stopped or expired: drawn from [4, 5.75] s, and the clock's tick is up to 0.25 s late. */
export class ConsentChecks {
  private readonly request: BindingRequest;
  private inFlight = false;
  private freshAt: number;

  constructor(
    private readonly options: ConsentOptions,
    private readonly clock: ConsentClock = sharedClock,
  ) {
    this.request = new BindingRequest(options, options.integrity);
    this.freshAt = clock.now();
    this.schedule();
  }

  private schedule(): void {
    this.clock.at(this, this.clock.now() + consentIntervalMs * 0.8 + (consentIntervalMs * 0.4 - consentTickMs) * Math.random());
  }

  /** Sends the next check (called by the clock when it is due), or expires. */
  check(): void {
    if (this.clock.now() - this.freshAt > consentTimeoutMs) {
      this.clock.remove(this);
      this.options.onExpired();
      return;
    }
    this.inFlight = true;
    this.options.send(this.request.renew());
    this.schedule();
  }

  /** Whether `data` answers the check in flight (then consent is fresh again). */
  onResponse(data: Buffer): boolean {
    if (!this.inFlight || data.length < headerBytes || data.readUInt16BE(0) !== bindingSuccess || !data.subarray(8, headerBytes).equals(this.request.transactionId)) return false;
    this.inFlight = false;
    this.freshAt = this.clock.now();
    return true;
  }

  stop(): void {
    this.clock.remove(this);
  }
}
