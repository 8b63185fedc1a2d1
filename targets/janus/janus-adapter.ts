/**
 * Janus VideoRoom (janus.plugin.videoroom, Janus 1.x multistream) over its WebSocket API. Each
 * participant has its own connection and Janus session, with a publisher handle (joined to the
 * room even by listeners: that is how Janus tells of publishers coming and going) and, once there
 * is someone to hear, one subscriber handle for every feed (one m-line each, in one peer
 * connection). Rooms are created on demand, numbered from the run's room name so runs sharing a
 * Janus do not meet. A directory URL (http) is asked where each room lives, as for the bundled
 * cluster; a `ws://` or `ws+unix://` URL is one Janus.
 */
import type { AdapterInit, JoinOptions, Participant, ParticipantConnection, TargetAdapter, TargetSession } from '../../ports/target-adapter.js';
import { TargetError } from '../../ports/target-adapter.js';
import { mediaSections, ssrcOf } from '../../core/sdp.js';
import { locateRoom } from '../locate-room.js';
import { enterOrLeave } from '../enter-room.js';
import { JanusConnection, type JanusMessage } from './janus-api.js';

const videoroom = 'janus.plugin.videoroom';
/** Janus's "room already exists": another participant of the run created it first. */
const roomExists = 427;
/** VideoRoom's default is 3 publishers a room; a load test's rooms are as large as its scenario makes them. */
const defaultPublishers = 1000;

/** A room's number: VideoRoom rooms are numbers unless string_ids is set; FNV-1a of the run's room name. */
export function roomNumber(roomId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < roomId.length; i++) hash = Math.imul(hash ^ roomId.charCodeAt(i), 0x01000193) >>> 0;
  return hash + 1;
}

interface Publisher { id: number; display?: string; streams?: Array<{ type?: string; mid?: string }> }

interface SubscribedStream { mid: string; feed_id?: number; type?: string; active?: boolean }

/** Janus answers an `actpass` offer `active` (and the first ClientHello is often lost): offering `active` makes it the DTLS server. */
function asActive(sdp: string): string {
  return sdp.replaceAll('a=setup:actpass', 'a=setup:active');
}

class JanusRoomSession implements TargetSession {
  private publisherHandle = 0;
  private subscriberHandle: number | undefined;
  private send: ParticipantConnection | undefined;
  private recv: ParticipantConnection | undefined;
  /** Feed id → its publisher's display name (the participant's peer id). */
  private readonly feeds = new Map<number, string>();
  /** Feed id → the streams to ask Janus for: the kinds the participant receives, or the whole feed. */
  private readonly wantedStreams = new Map<number, Array<{ feed: number; mid?: string }>>();
  private readonly subscribed = new Set<number>();
  /** SSRCs Janus sends each feed with, for ended(). */
  private readonly ssrcOfFeed = new Map<number, number>();
  private negotiation: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly room: number;

  constructor(
    private readonly connection: JanusConnection,
    private readonly participant: Participant,
    private readonly options: JoinOptions,
    private readonly publishers: number,
  ) {
    this.room = roomNumber(options.roomId);
  }

  async enter(): Promise<void> {
    const { connection, participant } = this;
    connection.on('closed', (reason) => !this.closed && participant.dropped(reason));
    connection.on('event', (message) => this.onEvent(message));
    this.publisherHandle = await connection.attach(videoroom);
    await this.createRoom();
    const joined = await connection.message(this.publisherHandle, { request: 'join', ptype: 'publisher', room: this.room, display: participant.peerId });
    const publishers = (joined.plugindata?.data.publishers ?? []) as Publisher[];
    if (this.options.publish) await this.publish();
    this.addFeeds(publishers);
    // A listener has joined once what was there at join time is negotiated.
    if (!this.options.publish) await this.negotiation;
  }

  private async createRoom(): Promise<void> {
    try {
      await this.connection.message(this.publisherHandle, { request: 'create', room: this.room, description: this.options.roomId, publishers: this.publishers, audiocodec: 'opus', videocodec: 'vp8', notify_joining: false });
    } catch (error) {
      if (!(error instanceof TargetError && error.code === roomExists)) throw error;
    }
  }

  private async publish(): Promise<void> {
    const send = this.participant.openConnection('publish');
    this.send = send;
    const offer = await send.createOffer({ send: this.participant.publishes });
    const reply = await this.connection.message(this.publisherHandle, { request: 'publish' }, { type: 'offer', sdp: asActive(offer) });
    if (!reply.jsep) throw new TargetError('no-answer', 'Janus answered publish without an SDP answer');
    await send.acceptAnswer(reply.jsep.sdp);
  }

  private onEvent(message: JanusMessage): void {
    if (this.closed) return;
    if (message.janus === 'hangup' && (message.sender === this.publisherHandle || message.sender === this.subscriberHandle)) {
      this.participant.dropped(`Janus hung up: ${message.reason ?? 'no reason given'}`);
      return;
    }
    const data = message.plugindata?.data;
    if (!data) return;
    if (message.sender === this.publisherHandle) {
      if (Array.isArray(data.publishers)) this.addFeeds(data.publishers as Publisher[]);
      for (const key of ['unpublished', 'leaving'] as const) {
        const feed = data[key];
        if (typeof feed === 'number') this.feedGone(feed);
      }
    } else if (message.sender === this.subscriberHandle && message.jsep?.type === 'offer') {
      // Janus renegotiates on its own (a feed it sent went away): answer as for a subscription.
      const offer = message.jsep.sdp;
      this.negotiate(() => this.answer(offer, (data.streams ?? []) as SubscribedStream[]));
    }
  }

  private addFeeds(publishers: Publisher[]): void {
    const fresh: number[] = [];
    for (const p of publishers) {
      if (p.display === this.participant.peerId || this.subscribed.has(p.id)) continue;
      this.feeds.set(p.id, p.display ?? `feed-${p.id}`);
      const kinds = p.streams?.filter((stream) => stream.mid !== undefined && this.participant.receives.includes(stream.type === 'video' ? 'video' : 'audio'));
      this.wantedStreams.set(p.id, kinds && kinds.length > 0 ? kinds.map((stream) => ({ feed: p.id, mid: stream.mid! })) : [{ feed: p.id }]);
      this.subscribed.add(p.id);
      fresh.push(p.id);
    }
    if (fresh.length > 0) this.negotiate(() => this.subscribe(fresh));
  }

  private feedGone(feed: number): void {
    this.subscribed.delete(feed);
    const ssrc = this.ssrcOfFeed.get(feed);
    this.ssrcOfFeed.delete(feed);
    if (ssrc !== undefined) this.recv?.ended(ssrc);
  }

  /** One negotiation at a time on the subscriber handle; a failure drops the participant, who rejoins. */
  private negotiate(work: () => Promise<void>): void {
    this.negotiation = this.negotiation.then(work).catch((error: Error) => {
      if (!this.closed) this.participant.dropped(`subscribe: ${error.message}`);
    });
  }

  private async subscribe(feeds: number[]): Promise<void> {
    if (this.closed) return;
    const streams = feeds.flatMap((feed) => this.wantedStreams.get(feed) ?? [{ feed }]);
    let reply: JanusMessage;
    if (this.subscriberHandle === undefined) {
      this.subscriberHandle = await this.connection.attach(videoroom);
      reply = await this.connection.message(this.subscriberHandle, { request: 'join', ptype: 'subscriber', room: this.room, streams, use_msid: false });
    } else {
      reply = await this.connection.message(this.subscriberHandle, { request: 'subscribe', streams });
    }
    if (!reply.jsep) return;
    await this.answer(reply.jsep.sdp, (reply.plugindata?.data.streams ?? []) as SubscribedStream[]);
  }

  /** Answers Janus's offer of the subscriber handle's streams, naming each by its feed's publisher. */
  private async answer(offer: string, streams: SubscribedStream[]): Promise<void> {
    const recv = (this.recv ??= this.participant.openConnection('subscribe'));
    const sections = mediaSections(offer);
    for (const stream of streams) {
      if (stream.feed_id === undefined || stream.active === false || this.ssrcOfFeed.has(stream.feed_id)) continue;
      const section = sections.find((s) => s.mid === stream.mid);
      const ssrc = section && ssrcOf(section)?.ssrc;
      if (ssrc === undefined) continue;
      this.ssrcOfFeed.set(stream.feed_id, ssrc);
      recv.receiving({ ssrc, peerId: this.feeds.get(stream.feed_id) ?? `feed-${stream.feed_id}`, kind: stream.type === 'video' ? 'video' : 'audio' });
    }
    await recv.createAnswer(offer);
    const answer = await recv.applyAnswer();
    await this.connection.message(this.subscriberHandle!, { request: 'start' }, { type: 'answer', sdp: answer });
  }

  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.send?.close();
    this.recv?.close();
    this.connection.close();
  }
}

class JanusAdapter implements TargetAdapter {
  constructor(
    private readonly url: string,
    private readonly publishers: number,
  ) {}

  async join(participant: Participant, options: JoinOptions): Promise<TargetSession> {
    const { url } = await locateRoom(options.reach(this.url), options.roomId, options.timeoutMs);
    const connection = await JanusConnection.open(options.reach(url), options.timeoutMs);
    return enterOrLeave(new JanusRoomSession(connection, participant, options, this.publishers));
  }

  async close(): Promise<void> {}
}

/** Options: `publishersPerRoom`, VideoRoom's `publishers` for the rooms the adapter creates (default 1000). */
export function createAdapter(init: AdapterInit): TargetAdapter {
  const publishers = init.options.publishersPerRoom ?? defaultPublishers;
  if (typeof publishers !== 'number' || !Number.isInteger(publishers) || publishers < 1) throw new Error(`publishersPerRoom must be a whole number ≥ 1 (got ${JSON.stringify(publishers)})`);
  return new JanusAdapter(init.url, publishers);
}
