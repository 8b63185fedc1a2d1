/**
 * Frame by frame in the page: sent audio frames get the stamp (werift bots read it like their
 * own), received ones have theirs read and logged for Node's accounting, and are decoded as they came.
 */
import { hostNowMs } from '../../clock.js';
import type { PayloadStamp } from '../../media-payload.js';
import type { FrameBatch } from '../page-api.js';
import { readFrameStamp, stampFrame } from '../stamped-frame.js';

/** What happened since Node last took a batch. */
export class FrameLog {
  private frames: number[] = [];
  private sent = 0;

  received(stamp: PayloadStamp, arrivalMs: number, rtpTimestamp: number): void {
    this.frames.push(stamp.senderId, stamp.seq, stamp.sentAtMs, arrivalMs, rtpTimestamp);
  }

  stamped(): void {
    this.sent++;
  }

  take(): FrameBatch {
    const batch = { frames: this.frames, sent: this.sent };
    this.frames = [];
    this.sent = 0;
    return batch;
  }
}

function transform(streams: RTCEncodedStreams, edit: (frame: RTCEncodedAudioFrame) => void): void {
  const editor = new TransformStream<RTCEncodedAudioFrame, RTCEncodedAudioFrame>({
    transform(frame, controller) {
      edit(frame);
      controller.enqueue(frame);
    },
  });
  void (streams.readable as ReadableStream<RTCEncodedAudioFrame>).pipeThrough(editor).pipeTo(streams.writable);
}

/**
 * The page's stamp sequence, across its senders: after a rejoin (a new peer connection) it goes on,
 * as a werift bot's does, so receivers tell the new stream's frames from late ones of the old.
 */
let sentSeq = 0;

export function stampSent(sender: RTCRtpSender, senderId: number, log: FrameLog): void {
  transform(sender.createEncodedStreams(), (frame) => {
    frame.data = stampFrame(frame.data, { senderId, seq: sentSeq++, sentAtMs: hostNowMs() });
    log.stamped();
  });
}

export function readReceivedStamps(receiver: RTCRtpReceiver, log: FrameLog): void {
  const stamp: PayloadStamp = { senderId: 0, seq: 0, sentAtMs: 0 };
  transform(receiver.createEncodedStreams(), (frame) => {
    const arrivalMs = hostNowMs();
    if (!readFrameStamp(frame.data, stamp)) return;
    log.received(stamp, arrivalMs, frame.getMetadata().rtpTimestamp ?? frame.timestamp);
  });
}

/**
 * Video frames go through untouched: mediasoup and the VP8 depacketizer read the frame's own
 * header. The streams must still be taken, or frames wait for a transform forever.
 */
export function passThrough(endpoint: RTCRtpSender | RTCRtpReceiver): void {
  const { readable, writable } = endpoint.createEncodedStreams();
  void readable.pipeTo(writable);
}
