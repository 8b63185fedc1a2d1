// Chromium's encoded insertable streams (the pre-standard form of encoded transforms), not in
// TypeScript's DOM library. Used on the main thread: one bundle, no worker script.

interface RTCEncodedStreams {
  readable: ReadableStream<RTCEncodedAudioFrame | RTCEncodedVideoFrame>;
  writable: WritableStream<RTCEncodedAudioFrame | RTCEncodedVideoFrame>;
}

interface RTCRtpSender {
  createEncodedStreams(): RTCEncodedStreams;
}

interface RTCRtpReceiver {
  createEncodedStreams(): RTCEncodedStreams;
}

interface RTCConfiguration {
  /** Every sender and receiver of the connection hands its frames to createEncodedStreams(). */
  encodedInsertableStreams?: boolean;
}
