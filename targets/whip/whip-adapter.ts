/**
 * WHIP (RFC 9725) to publish and WHEP to subscribe: one peer connection per stream, each its own
 * HTTP session (POST an offer, the answer or the server's offer back with a Location, DELETE to
 * end), a bearer token when given. WHIP and WHEP have no room and no events: the scenario's plan
 * says who publishes in each room (the `publishers` option), and a subscriber asks for each of
 * them, again every so often while the endpoint is not there yet (404) or the server cannot serve it (5xx).
 */
import type { AdapterInit, IceServer, JoinOptions, Participant, ParticipantConnection, TargetAdapter, TargetSession } from '../../ports/target-adapter.js';
import { TargetError } from '../../ports/target-adapter.js';
import { mediaSections, ssrcOf } from '../../core/sdp.js';
import { enterOrLeave } from '../enter-room.js';
import { deleteResource, patchAnswer, postOffer, UnreachableError, type SdpReply } from './whip-http.js';

export interface WhipSettings {
  /** Endpoint URL templates: `{room}` is the room's name at the target, `{peer}` the publisher's peer id. */
  publish: string;
  subscribe: string;
  token: string | undefined;
  /** Room name → peer ids of the participants the plan has publish in it. */
  publishers: Record<string, string[]>;
  /** How long a subscriber waits between tries for a stream that is not there yet. */
  retryMs: number;
}

/**
 * Statuses a subscriber tries again on: the stream is not there yet (404, 409), or the server could
 * not serve it now (5xx: janus-whep-server answers 500 to a feed Janus does not have yet).
 */
const tryAgain = (status: number): boolean => status === 404 || status === 409 || status >= 500;

export function endpointUrl(template: string, roomId: string, peerId: string): string {
  return template.replaceAll('{room}', encodeURIComponent(roomId)).replaceAll('{peer}', encodeURIComponent(peerId));
}

class WhipSession implements TargetSession {
  private readonly resources = new Set<string>();
  private readonly connections = new Set<ParticipantConnection>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The ICE servers each connection was told to use, as JSON: told again only when they change. */
  private readonly told = new Map<ParticipantConnection, string>();
  private closed = false;

  constructor(
    private readonly adapter: WhipAdapter,
    private readonly participant: Participant,
    private readonly options: JoinOptions,
  ) {}

  private get settings(): WhipSettings {
    return this.adapter.settings;
  }

  async enter(): Promise<void> {
    if (this.options.publish) await this.publish();
    const others = (this.settings.publishers[this.options.roomId] ?? []).filter((peer) => peer !== this.participant.peerId);
    // Who is there already is subscribed before the join completes; who is not yet, in the background.
    await Promise.all(others.map((peer) => this.subscribe(peer, true)));
  }

  /**
   * A new connection, told at once the ICE servers its kind of endpoint named last (before it
   * gathers): WHIP names them only in the answer to an offer, so a publisher's first connection
   * cannot use them, and its next one (a rejoin) does.
   */
  private open(purpose: 'publish' | 'subscribe'): ParticipantConnection {
    const connection = this.participant.openConnection(purpose);
    this.connections.add(connection);
    const known = this.adapter.iceServers[purpose];
    if (known) this.useIceServers(connection, known);
    return connection;
  }

  private useIceServers(connection: ParticipantConnection, servers: IceServer[]): void {
    const key = JSON.stringify(servers);
    if (servers.length === 0 || this.told.get(connection) === key) return;
    this.told.set(connection, key);
    connection.useIceServers(servers);
  }

  private drop(connection: ParticipantConnection): void {
    this.connections.delete(connection);
    this.told.delete(connection);
    connection.close();
  }

  /** POSTs to `peer`'s endpoint; the ICE servers the reply names are kept for the connections opened later. */
  private async post(purpose: 'publish' | 'subscribe', peer: string, offer: string): Promise<SdpReply> {
    const template = purpose === 'publish' ? this.settings.publish : this.settings.subscribe;
    const reply = await postOffer(this.options.reach(endpointUrl(template, this.options.roomId, peer)), offer, this.settings.token, this.options.timeoutMs, purpose === 'subscribe');
    this.resources.add(reply.resource);
    if (this.closed) await deleteResource(reply.resource, this.settings.token, this.options.timeoutMs);
    if (reply.iceServers.length > 0) this.adapter.iceServers[purpose] = reply.iceServers;
    return reply;
  }

  private async publish(): Promise<void> {
    const connection = this.open('publish');
    const offer = await connection.createOffer({ send: this.participant.publishes });
    const reply = await this.post('publish', this.participant.peerId, offer);
    // Named after the offer: the connection reports them unused (the next one, a rejoin's, starts with them).
    this.useIceServers(connection, reply.iceServers);
    await connection.acceptAnswer(reply.sdp);
  }

  /**
   * Subscribes to `peer`'s stream; while it is not there, tries again later. A failure of another
   * kind fails the join (`first`) or, later, drops the participant, who rejoins.
   */
  private async subscribe(peer: string, first: boolean): Promise<void> {
    if (this.closed) return;
    try {
      await this.subscribeOnce(peer);
    } catch (error) {
      if (this.closed) return;
      const retry = error instanceof TargetError ? tryAgain(Number(error.code)) : error instanceof UnreachableError;
      if (retry) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void this.subscribe(peer, false);
        }, this.settings.retryMs);
        this.timers.add(timer);
      } else if (first) throw error;
      else this.participant.dropped(`subscribe to ${peer}: ${(error as Error).message}`);
    }
  }

  private async subscribeOnce(peer: string): Promise<void> {
    const known = this.adapter.serverOfferBody;
    let connection = this.open('subscribe');
    try {
      // A server that answered an offer with its own once does so always: the body it ignores is reused.
      const offer = known ?? (await connection.createOffer({ receive: this.participant.receives }));
      const reply = await this.post('subscribe', peer, offer);
      if (reply.status === 201) {
        if (known) throw new TargetError(201, `${this.settings.subscribe}: answered with an SDP answer after an earlier 406 (server offer); rtcstorm expects one or the other from a server`);
        this.useIceServers(connection, reply.iceServers);
        this.announce(connection, reply.sdp, peer);
        await connection.acceptAnswer(reply.sdp);
        return;
      }
      if (!known) {
        // The connection that offered cannot take the server's offer: a fresh one (told the reply's ICE servers as it opens) answers it.
        this.adapter.serverOfferBody = offer;
        this.drop(connection);
        connection = this.open('subscribe');
      }
      // Before it takes the server's offer: the connection has no ICE agent yet and gathers with them.
      this.useIceServers(connection, reply.iceServers);
      this.announce(connection, reply.sdp, peer);
      await connection.createAnswer(reply.sdp);
      const answer = await connection.applyAnswer();
      await patchAnswer(reply.resource, answer, this.settings.token, this.options.timeoutMs);
    } catch (error) {
      this.drop(connection);
      throw error;
    }
  }

  /** The streams a description carries, named as `peer`'s. */
  private announce(connection: ParticipantConnection, sdp: string, peer: string): void {
    for (const section of mediaSections(sdp)) {
      const ssrc = ssrcOf(section)?.ssrc;
      if (ssrc !== undefined && (section.kind === 'audio' || section.kind === 'video')) connection.receiving({ ssrc, peerId: peer, kind: section.kind });
    }
  }

  async leave(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const connection of this.connections) connection.close();
    await Promise.all([...this.resources].map((resource) => deleteResource(resource, this.settings.token, this.options.timeoutMs)));
  }
}

class WhipAdapter implements TargetAdapter {
  serverOfferBody: string | undefined;
  /** The ICE servers the WHIP and the WHEP endpoints named last (Link headers), for connections opened after. */
  readonly iceServers: { publish?: IceServer[]; subscribe?: IceServer[] } = {};

  constructor(readonly settings: WhipSettings) {}

  async join(participant: Participant, options: JoinOptions): Promise<TargetSession> {
    return enterOrLeave(new WhipSession(this, participant, options));
  }

  async close(): Promise<void> {}
}

function text(options: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = options[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '') throw new Error(`whip adapter: option ${name} must be a non-empty string (got ${JSON.stringify(value)})`);
  return value;
}

/** `init.url` is the WHIP endpoint template; options: `subscribe` (WHEP template), `token`, `publishers`, `retryMs`. */
export function createAdapter(init: AdapterInit): TargetAdapter {
  const { options } = init;
  const publishers = (options.publishers ?? {}) as Record<string, string[]>;
  const retryMs = options.retryMs ?? 250;
  if (typeof retryMs !== 'number' || retryMs < 10) throw new Error(`whip adapter: retryMs must be a number ≥ 10 (got ${JSON.stringify(retryMs)})`);
  return new WhipAdapter({ publish: init.url, subscribe: text(options, 'subscribe', true)!, token: text(options, 'token', false), publishers, retryMs });
}
