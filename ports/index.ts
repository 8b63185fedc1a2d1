/**
 * The interfaces between rtcstorm's parts that users implement: `import type { TargetAdapter } from
 * 'rtcstorm/ports'` in an adapter of their own (docs/targets.md).
 */
export type { AdapterInit, CreateAdapter, JoinOptions, OfferedMedia, Participant, ParticipantConnection, RemoteStream, TargetAdapter, TargetSession } from './target-adapter.js';
export { TargetError } from './target-adapter.js';
export type { IceServer } from './target-adapter.js';
export type { NodeStats, Target, TargetIncident, TargetNode, WorkerStats } from './target-control.js';
export type { Endpoint, MediaPath, MediaRoute } from './media-route.js';
