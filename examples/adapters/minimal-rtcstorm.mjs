// A minimal target adapter, as a user would write one: plain JavaScript, no build step, against
// rtcstorm's own signalling protocol (so it runs against the bundled target every rtcstorm install
// has). It shows the whole contract of ports/target-adapter.ts in a hundred lines; the built-in
// adapter for the same protocol (targets/rtcstorm/) adds batching and a media-path shortcut.
//
//   target:
//     bundled: { nodes: 1 }
//     adapter: { module: ./minimal-rtcstorm.mjs, options: { requestTimeoutMs: 5000 } }
//
// Protocol (docs/architecture.md, "Signalling protocol"): JSON requests { id, method, data } over WebSocket,
// replies { id, ok, data | error }, notifications { notification, data }. mediasoup speaks no SDP,
// so this adapter writes the server's side of each exchange from the transport's parameters.
import WebSocket from 'ws';

function signalling(url, timeoutMs) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs });
    const pending = new Map();
    let nextId = 1;
    const listeners = new Map();
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.notification) return listeners.get(message.notification)?.(message.data);
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.ok) waiter?.resolve(message.data);
      else waiter?.reject(new Error(`${message.error.code}: ${message.error.message}`));
    });
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        request: (method, data) =>
          new Promise((ok, fail) => {
            const id = nextId++;
            pending.set(id, { resolve: ok, reject: fail });
            setTimeout(() => pending.delete(id) && fail(new Error(`${method}: no reply in ${timeoutMs} ms`)), timeoutMs);
            socket.send(JSON.stringify({ id, method, data }));
          }),
        on: (notification, listener) => listeners.set(notification, listener),
        onClose: (listener) => socket.once('close', listener),
        close: () => socket.close(),
      }),
    );
  });
}

// The server's side of the SDP, from mediasoup's transport parameters (ICE-lite, one audio m-line each).
function remoteSdp(transport, lines) {
  const { usernameFragment, password } = transport.iceParameters;
  const fingerprint = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256');
  const candidates = transport.iceCandidates.map((c) => `a=candidate:${c.foundation} 1 ${c.protocol} ${c.priority} ${c.address ?? c.ip} ${c.port} typ ${c.type}`);
  const media = lines.map(({ mid, pt, direction, setup, ssrc }) => [
    `m=audio 7 UDP/TLS/RTP/SAVPF ${pt}`, 'c=IN IP4 127.0.0.1', `a=rtpmap:${pt} opus/48000/2`, `a=mid:${mid}`, `a=${direction}`,
    `a=ice-ufrag:${usernameFragment}`, `a=ice-pwd:${password}`, ...candidates, 'a=end-of-candidates', `a=setup:${setup}`, 'a=rtcp-mux',
    ...(ssrc ? [`a=ssrc:${ssrc} cname:rtcstorm`] : []),
  ]);
  const head = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=ice-lite', `a=fingerprint:sha-256 ${fingerprint.value}`, `a=group:BUNDLE ${lines.map((l) => l.mid).join(' ')}`];
  return `${[...head, ...media.flat()].join('\r\n')}\r\n`;
}

const attribute = (sdp, name) => sdp.split(/\r?\n/).find((l) => l.startsWith(`a=${name}:`))?.slice(name.length + 3);

export function createAdapter({ url, options }) {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  return {
    async join(participant, { roomId, publish, reach }) {
      // A directory URL (http) says which node serves the room; a ws URL is one node.
      const node = url.startsWith('http') ? (await (await fetch(new URL(`/v1/rooms/${roomId}`, reach(url)))).json()).url : url;
      const client = await signalling(reach(node), timeoutMs);
      let closed = false;
      client.onClose(() => !closed && participant.dropped('signalling socket closed'));
      // Producers announced before receiving is set up are kept: a join storm announces them meanwhile.
      const announced = [];
      let announce = (producer) => announced.push(producer);
      client.on('newProducer', (producer) => announce(producer));
      const joined = await client.request('join', { roomId, peerId: participant.peerId });
      if (publish) {
        const transport = await client.request('createTransport', { direction: 'send' });
        const send = participant.openConnection('publish');
        const offer = await send.createOffer({ send: ['audio'] });
        const [algorithm, value] = attribute(offer, 'fingerprint').split(' ');
        await client.request('connectTransport', { transportId: transport.transportId, dtlsParameters: { role: 'client', fingerprints: [{ algorithm, value }] } });
        const pt = Number(/a=rtpmap:(\d+) opus/i.exec(offer)[1]);
        await send.acceptAnswer(remoteSdp(transport, [{ mid: attribute(offer, 'mid'), pt, direction: 'recvonly', setup: 'passive' }]));
        const [, ssrc, cname] = /a=ssrc:(\d+) cname:(\S+)/.exec(offer);
        await client.request('produce', { transportId: transport.transportId, kind: 'audio', rtpParameters: { mid: attribute(offer, 'mid'), codecs: [{ mimeType: 'audio/opus', payloadType: pt, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: Number(ssrc) }], rtcp: { cname } } });
      }
      // Receiving: one consumer per producer, the whole offer written again for each (simple, not cheap).
      const transport = await client.request('createTransport', { direction: 'recv' });
      const recv = participant.openConnection('subscribe');
      const lines = [];
      let connected = false;
      let queue = Promise.resolve();
      const consumed = new Set();
      const consume = (producer) => (queue = queue.then(async () => {
        if (closed || producer.peerId === participant.peerId || consumed.has(producer.producerId)) return;
        consumed.add(producer.producerId);
        const rtpCapabilities = { codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2, preferredPayloadType: 100 }], headerExtensions: [] };
        const consumer = await client.request('consume', { transportId: transport.transportId, producerId: producer.producerId, rtpCapabilities });
        const ssrc = consumer.rtpParameters.encodings[0].ssrc;
        lines.push({ mid: String(consumer.rtpParameters.mid), pt: consumer.rtpParameters.codecs[0].payloadType, direction: 'sendonly', setup: 'actpass', ssrc });
        recv.receiving({ ssrc, peerId: producer.peerId, kind: 'audio' });
        const answer = await recv.createAnswer(remoteSdp(transport, lines));
        if (!connected) {
          connected = true;
          await client.request('connectTransport', { transportId: transport.transportId, dtlsParameters: { role: attribute(answer, 'setup') === 'active' ? 'client' : 'server', fingerprints: [{ algorithm: 'sha-256', value: attribute(answer, 'fingerprint').split(' ')[1] }] } });
        }
        await recv.applyAnswer();
        await client.request('resumeConsumer', { consumerId: consumer.consumerId });
      }).catch((error) => !closed && participant.dropped(`consume: ${error.message}`)));
      announce = consume;
      [...joined.producers, ...announced].forEach(consume);
      await queue;
      return {
        async leave() {
          closed = true;
          client.close();
        },
      };
    },
    async close() {},
  };
}
