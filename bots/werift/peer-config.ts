import { RTCRtpCodecParameters, useAudioLevelIndication, type CandidatePair, type RTCPeerConnectionConfig } from 'werift';

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
export function peerConfig(loopbackOnly: boolean, video = false): RTCPeerConnectionConfig {
  const vp8 = new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }] });
  return {
    ...(loopbackOnly ? { iceUseIpv4: false, iceInterfaceAddresses: { udp4: '127.0.0.1' } } : {}),
    // Video bots' RTP goes through the media plane: werift only needs to accept VP8 in the descriptions.
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: opusClockRate, channels: 2 })], ...(video ? { video: [vp8] } : {}) },
    // The audio level (RFC 6464) is offered so targets negotiate it: the media plane writes it on every packet.
    headerExtensions: { audio: [useAudioLevelIndication()], video: [] },
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    // werift's default STUN server is on the internet; load traffic stays on the host. Servers a
    // target names come later, per connection (WeriftConnection.useIceServers).
    iceServers: [],
    iceFilterCandidatePair: (pair: CandidatePair) => !isLoopback(pair.remoteCandidate.host) || isLoopback(pair.localCandidate.host),
  };
}
