/** The start of a VP8 frame (RFC 6386 §9.1): what an SFU and a receiver read of it without decoding. */

export interface Vp8FrameHeader {
  keyframe: boolean;
  /** Size of the first partition (modes and motion vectors). */
  firstPartitionBytes: number;
  /** Keyframes only (else 0). */
  width: number;
  height: number;
}

export function readVp8FrameHeader(frame: Buffer): Vp8FrameHeader {
  if (frame.length < 3) throw new Error(`a VP8 frame has at least 3 bytes (got ${frame.length})`);
  const tag = frame[0]! | (frame[1]! << 8) | (frame[2]! << 16);
  const keyframe = (tag & 1) === 0;
  const firstPartitionBytes = (tag >> 5) & 0x7ffff;
  if (!keyframe) return { keyframe, firstPartitionBytes, width: 0, height: 0 };
  if (frame.length < 10 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) throw new Error('a VP8 keyframe starts with the start code 9d 01 2a after its tag');
  return { keyframe, firstPartitionBytes, width: frame.readUInt16LE(6) & 0x3fff, height: frame.readUInt16LE(8) & 0x3fff };
}
