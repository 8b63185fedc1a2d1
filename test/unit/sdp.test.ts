import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sdpTransform from 'sdp-transform';
import { answerRejecting, offerWithout } from '../../core/sdp.js';
import { readDtlsParameters, readSendOffer, recvOffer, sendAnswer } from '../../targets/rtcstorm/mediasoup-sdp.js';
import type { TransportInfo } from '../../ports/rtcstorm-protocol.js';

const transport: TransportInfo = {
  transportId: 't1',
  iceParameters: { usernameFragment: 'ufrag1', password: 'pwd1', iceLite: true },
  iceCandidates: [{ foundation: 'udpcandidate', priority: 1076302079, address: '127.0.0.1', protocol: 'udp', port: 40000, type: 'host' }],
  dtlsParameters: { role: 'auto', fingerprints: [{ algorithm: 'sha-1', value: 'AA' }, { algorithm: 'sha-256', value: 'BB:CC' }] },
};

const weriftOffer = [
  'v=0', 'o=- 1 0 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'm=audio 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0',
  'a=ice-ufrag:x', 'a=ice-pwd:y', 'a=fingerprint:sha-256 11:22', 'a=setup:actpass', 'a=sendonly', 'a=mid:0', 'a=rtcp-mux',
  'a=ssrc:1234 cname:abc', 'a=rtpmap:96 opus/48000/2', '',
].join('\r\n');

describe('SDP for mediasoup', () => {
  it('reads what produce() needs from werift\'s offer, including mid 0', () => {
    assert.deepEqual(readSendOffer(weriftOffer), { mid: '0', payloadType: 96, ssrc: 1234, cname: 'abc', fingerprint: { algorithm: 'sha-256', value: '11:22' } });
  });

  it('reads the audio section only, and names what is missing', () => {
    const withVideoFirst = weriftOffer.replace('m=audio', 'm=video 9 UDP/TLS/RTP/SAVPF 97\r\na=mid:v\r\na=ssrc:99 cname:video\r\na=rtpmap:97 VP8/90000\r\nm=audio');
    assert.deepEqual(readSendOffer(withVideoFirst), readSendOffer(weriftOffer));
    assert.throws(() => readSendOffer(weriftOffer.replace('a=ssrc:1234 cname:abc', 'a=ssrc:1234 msid:x y')), /no a=ssrc cname line/);
    assert.throws(() => readSendOffer(weriftOffer.replace('opus', 'PCMU')), /no Opus payload type/);
    assert.throws(() => readSendOffer(weriftOffer.replace('m=audio', 'm=video')), /no audio m-line/);
    assert.throws(() => readDtlsParameters(weriftOffer.replace('a=fingerprint:sha-256 11:22', '').replace('actpass', 'active')), /no DTLS fingerprint/);
  });

  it('answers as an ICE-lite DTLS server with mediasoup\'s candidates and sha-256 fingerprint', () => {
    const answer = sdpTransform.parse(sendAnswer(transport, readSendOffer(weriftOffer)));
    assert.equal(answer.icelite, 'ice-lite');
    assert.deepEqual(answer.fingerprint, { type: 'sha-256', hash: 'BB:CC' });
    const media = answer.media[0]!;
    assert.equal(media.setup, 'passive');
    assert.equal(media.direction, 'recvonly');
    assert.deepEqual(media.candidates?.map((c) => [c.ip, c.port]), [['127.0.0.1', 40000]]);
    assert.equal(media.rtp[0]!.payload, 96);
    // Everything else werift reads, as sdp-transform (and so any SDP parser) reads it.
    assert.deepEqual(
      { ...media, candidates: undefined },
      {
        type: 'audio', port: 7, protocol: 'UDP/TLS/RTP/SAVPF', payloads: 96, connection: { version: 4, ip: '127.0.0.1' },
        rtp: [{ payload: 96, codec: 'opus', rate: 48000, encoding: 2 }], fmtp: [{ payload: 96, config: 'minptime=10;useinbandfec=1' }],
        mid: 0, direction: 'recvonly', iceUfrag: 'ufrag1', icePwd: 'pwd1', endOfCandidates: 'end-of-candidates', setup: 'passive',
        rtcpMux: 'rtcp-mux', rtcpRsize: 'rtcp-rsize', candidates: undefined,
      },
    );
    assert.deepEqual(media.candidates, [{ foundation: 'udpcandidate', component: 1, transport: 'udp', priority: 1076302079, ip: '127.0.0.1', port: 40000, type: 'host' }]);
    assert.deepEqual(answer.groups, [{ type: 'BUNDLE', mids: 0 }]);
    assert.deepEqual(answer.msidSemantic, { semantic: 'WMS', token: '*' });
  });

  it('offers every consumer in one BUNDLE, ended ones inactive, ssrc and cname per line', () => {
    const offer = sdpTransform.parse(
      recvOffer(transport, [
        { mid: '0', payloadType: 100, ssrc: 11, cname: 'a', active: false },
        { mid: '1', payloadType: 100, ssrc: 22, cname: 'b', active: true },
      ], 3),
    );
    assert.equal(offer.groups?.[0]?.mids, '0 1');
    assert.equal(offer.origin?.sessionVersion, 3);
    assert.deepEqual(offer.media.map((m) => [String(m.mid), m.direction, m.setup]), [['0', 'inactive', 'actpass'], ['1', 'sendonly', 'actpass']]);
    assert.deepEqual(offer.media[1]!.ssrcs, [{ id: 22, attribute: 'cname', value: 'b' }, { id: 22, attribute: 'msid', value: 'rtcstorm-1 audio-1' }]);
  });

  it('turns werift\'s a=setup into the role mediasoup\'s connect() takes', () => {
    assert.deepEqual(readDtlsParameters(weriftOffer.replace('actpass', 'active')), { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: '11:22' }] });
    assert.equal(readDtlsParameters(weriftOffer.replace('actpass', 'passive')).role, 'server');
    assert.throws(() => readDtlsParameters(weriftOffer), /a=setup:actpass/);
  });
});

describe('SDP: answering a kind the participant does not take', () => {
  const offer = [
    'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=janus', 't=0 0', 'a=group:BUNDLE a v', 'a=ice-lite',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:a', 'a=sendonly', 'a=rtpmap:111 opus/48000/2',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97', 'a=mid:v', 'a=sendonly', 'a=rtpmap:96 VP8/90000',
  ].join('\r\n') + '\r\n';
  const audio = (kind: string): boolean => kind === 'audio';

  it('leaves the video section out of the offer werift sees, and out of its BUNDLE', () => {
    const seen = offerWithout(offer, audio);
    assert.match(seen, /a=group:BUNDLE a\r\n/);
    assert.equal(seen.includes('m=video'), false);
    assert.match(seen, /m=audio 9 UDP\/TLS\/RTP\/SAVPF 111\r\na=mid:a\r\na=sendonly\r\na=rtpmap:111 opus\/48000\/2\r\n$/);
  });

  it('puts it back in the answer, rejected (port 0, inactive), in the offer\'s order', () => {
    const answer = ['v=0', 'o=- 2 2 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=group:BUNDLE a', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:a', 'a=recvonly'].join('\r\n') + '\r\n';
    const whole = answerRejecting(answer, offer, audio);
    assert.equal(whole, ['v=0', 'o=- 2 2 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=group:BUNDLE a', 'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=mid:a', 'a=recvonly', 'm=video 0 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:v', 'a=inactive'].join('\r\n') + '\r\n');
  });
});
