// janus-whep-server ships no types: the part of its API rtcstorm's WHEP host uses.
declare module 'janus-whep-server' {
  export interface WhepEndpointOptions { id: string; plugin: 'videoroom'; room: number; feed: number; token?: string }
  export class JanusWhepServer {
    constructor(config: { janus: { address: string }; rest: { port: number; basePath: string }; debug?: 'err' | 'warn' | 'info' | 'verb' | 'debug' });
    start(): Promise<JanusWhepServer>;
    destroy(): Promise<void>;
    createEndpoint(options: WhepEndpointOptions): unknown;
    getEndpoint(id: string): { feed: number } | undefined;
    destroyEndpoint(options: { id: string }): Promise<void>;
    listEndpoints(): Array<{ id: string }>;
  }
}
