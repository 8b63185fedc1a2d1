import { RTCRtpCodecParameters, type CandidatePair, type RTCPeerConnectionConfig } from 'werift';

export const opusClockRate = 48000;

function isLoopback(host: string): boolean {
  return host.startsWith('127.') || host === '::1';
}

/**
 * werift skips loopback when gathering, so 127.0.0.1 is added; a loopback target is then only
 * paired with the loopback candidate, so no media leaves the host through another interface. With
 * a target on loopback (`loopbackOnly`: every target but one a scenario allows elsewhere), nothing
 * else is gathered and the socket binds to 127.0.0.1: one socket per peer connection instead of
 * one per interface. (werift reads `iceUseIpv4` only to list the machine's interfaces, an
 * os.networkInterfaces() call per peer connection; 127.0.0.1 comes from `iceAdditionalHostAddresses`
 * either way.)
 */
export function peerConfig(loopbackOnly: boolean): RTCPeerConnectionConfig {
  return {
    ...(loopbackOnly ? { iceUseIpv4: false, iceInterfaceAddresses: { udp4: '127.0.0.1' } } : {}),
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: opusClockRate, channels: 2 })] },
    headerExtensions: { audio: [] },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    // werift's default STUN server is on the internet; load traffic stays on the host. Servers a
    // target names come later, per connection (WeriftConnection.useIceServers).
    iceServers: [],
    iceFilterCandidatePair: (pair: CandidatePair) => !isLoopback(pair.remoteCandidate.host) || isLoopback(pair.localCandidate.host),
  };
}
