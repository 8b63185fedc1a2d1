/** IVF, the container vpxenc writes and vpxdec reads: a 32-byte file header, then frames each behind 12 bytes (size, pts). */

export interface IvfFile {
  fourcc: string;
  width: number;
  height: number;
  frames: Buffer[];
}

export function readIvf(data: Buffer): IvfFile {
  if (data.length < 32 || data.toString('latin1', 0, 4) !== 'DKIF') throw new Error('not an IVF file (no DKIF signature)');
  const headerBytes = data.readUInt16LE(6);
  const frames: Buffer[] = [];
  for (let at = headerBytes; at + 12 <= data.length; ) {
    const size = data.readUInt32LE(at);
    if (at + 12 + size > data.length) throw new Error(`IVF frame ${frames.length} is cut off (${size} bytes announced, ${data.length - at - 12} left)`);
    frames.push(data.subarray(at + 12, at + 12 + size));
    at += 12 + size;
  }
  return { fourcc: data.toString('latin1', 8, 12), width: data.readUInt16LE(12), height: data.readUInt16LE(14), frames };
}

/** An IVF file of VP8 frames (for vpxdec), `fps` frames a second. */
export function writeIvf(frames: readonly Buffer[], width: number, height: number, fps: number): Buffer {
  const header = Buffer.alloc(32);
  header.write('DKIF', 0, 'latin1');
  header.writeUInt16LE(0, 4);
  header.writeUInt16LE(32, 6);
  header.write('VP80', 8, 'latin1');
  header.writeUInt16LE(width, 12);
  header.writeUInt16LE(height, 14);
  header.writeUInt32LE(fps, 16);
  header.writeUInt32LE(1, 20);
  header.writeUInt32LE(frames.length, 24);
  const parts: Buffer[] = [header];
  frames.forEach((frame, index) => {
    const frameHeader = Buffer.alloc(12);
    frameHeader.writeUInt32LE(frame.length, 0);
    frameHeader.writeBigUInt64LE(BigInt(index), 4);
    parts.push(frameHeader, frame);
  });
  return Buffer.concat(parts);
}
