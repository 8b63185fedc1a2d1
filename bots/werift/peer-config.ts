import './ice-gathering.js';
import { RTCRtpCodecParameters, type CandidatePair, type RTCPeerConnectionConfig } from 'werift';
import type { TransportInfo } from '../../target-server/protocol.js';

export const opusClockRate = 48000;

function isLoopback(host: string): boolean {
  return host.startsWith('127.') || host === '::1';
}

/**
 * werift skips loopback when gathering, so 127.0.0.1 is added; a loopback target is then only
 * paired with the loopback candidate, so no media leaves the host through another interface. When
 * every candidate of the remote transport is on loopback, the bot's sockets bind to 127.0.0.1 and
 * nothing else is gathered (ice-gathering.ts): one socket per peer connection.
 */
export function peerConfig(remote: TransportInfo): RTCPeerConnectionConfig {
  const loopbackOnly = remote.iceCandidates.length > 0 && remote.iceCandidates.every((c) => isLoopback(c.address ?? c.ip ?? ''));
  return {
    ...(loopbackOnly ? { iceInterfaceAddresses: { udp4: '127.0.0.1' } } : {}),
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: opusClockRate, channels: 2 })] },
    headerExtensions: { audio: [] },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    // werift's default STUN server is on the internet; load traffic stays on the host.
    iceServers: [],
    iceFilterCandidatePair: (pair: CandidatePair) => !isLoopback(pair.remoteCandidate.host) || isLoopback(pair.localCandidate.host),
  };
}

/** What a bot can receive, in mediasoup's RtpCapabilities shape, for consume(). */
export const receiveCapabilities = {
  codecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: opusClockRate, channels: 2, preferredPayloadType: 100, parameters: {}, rtcpFeedback: [] }],
  headerExtensions: [],
};
