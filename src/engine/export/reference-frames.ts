import { RawFrameStream } from '../media/raw-frame-stream';
import { UserError } from '../util/errors';

/**
 * Frames of a reference video by index, for a piecewise-monotone sequence of requests
 * (the ping-pong playback of an export): forwards, one streaming decoder; backwards,
 * chunks decoded forwards from a seek point and served in reverse. Frames past the
 * end of what the file yields repeat the last decoded frame.
 */
export class ReferenceFrames {
  private stream?: RawFrameStream;
  private streamPos = 0; // index of the frame the stream yields next
  private last?: { index: number; data: Uint8Array };
  private chunk?: { start: number; frames: Uint8Array[] };
  private readonly chunkFrames: number;
  /** The last few frames served, by index: a path that steps back a frame or two (synthesis) re-decodes nothing. */
  private readonly recent = new Map<number, Uint8Array>();
  private readonly recentFrames: number;

  constructor(
    readonly file: string,
    readonly width: number,
    readonly height: number,
    readonly fps: number,
    readonly frameCount: number,
    private readonly signal?: AbortSignal,
    /** A request this many frames past the open stream's position is read through; further, the stream is reopened at it (a seek). */
    readThrough?: number,
    /** Memory for backward chunks and recent frames, MiB (default 192 and 96: an export's long backward runs; the studio's preview, which stays open, keeps less). */
    memoryMiB: { chunks: number; recent: number } = { chunks: 192, recent: 96 },
  ) {
    // Backward chunks: up to ~192 MiB of frames, between 4 and 48 frames.
    this.chunkFrames = Math.max(4, Math.min(48, Math.floor((memoryMiB.chunks * 2 ** 20) / (width * height * 3))));
    // Recent frames: up to ~96 MiB, between 2 and 24 frames.
    this.recentFrames = Math.max(2, Math.min(24, Math.floor((memoryMiB.recent * 2 ** 20) / (width * height * 3))));
    this.readThrough = readThrough ?? 2 * this.chunkFrames;
  }

  private readonly readThrough: number;

  async get(index: number): Promise<Uint8Array> {
    const j = Math.max(0, Math.min(this.frameCount - 1, Math.round(index)));
    if (this.last && this.last.index === j) return this.last.data;
    const kept = this.recent.get(j);
    if (kept) return this.remember(j, kept);
    if (this.chunk && j >= this.chunk.start && j < this.chunk.start + this.chunk.frames.length) {
      return this.remember(j, this.chunk.frames[j - this.chunk.start]);
    }
    // Playing backwards is a step of one frame back; a longer step back is a cut, served like
    // a forward request (a seek), not by decoding a whole reverse chunk.
    const forward = !this.last || j > this.last.index || this.last.index - j > 1;
    if (forward) {
      if (!this.stream || j < this.streamPos || j - this.streamPos > this.readThrough) await this.openStream(j);
      let frame: Uint8Array | undefined;
      while (this.streamPos <= j) {
        frame = await this.stream!.next();
        if (!frame) break;
        this.streamPos++;
      }
      if (!frame) {
        // The file ended early (fewer decodable frames than the persona counted): hold the last one.
        if (this.last) return this.remember(j, this.last.data);
        throw new UserError('video-decode-failed', `${this.file} has no frame ${j}.`, { file: this.file, hint: 'Rebuild the persona from this video.' });
      }
      return this.remember(j, frame);
    }
    // Backwards: decode the chunk that ends at j.
    await this.closeStream();
    const start = Math.max(0, j - this.chunkFrames + 1);
    const s = new RawFrameStream(this.file, this.width, this.height, { fps: this.fps, startFrame: start, frames: j - start + 1, signal: this.signal });
    const frames: Uint8Array[] = [];
    try {
      for (let f = await s.next(); f; f = await s.next()) frames.push(f);
    } finally {
      await s.close();
    }
    if (frames.length === 0) throw new UserError('video-decode-failed', `${this.file} could not be read from frame ${start}.`, { file: this.file, hint: 'Rebuild the persona from this video.' });
    while (frames.length < j - start + 1) frames.push(frames[frames.length - 1]);
    this.chunk = { start, frames };
    return this.remember(j, frames[j - start]);
  }

  private remember(index: number, data: Uint8Array): Uint8Array {
    this.last = { index, data };
    this.recent.delete(index);
    this.recent.set(index, data);
    if (this.recent.size > this.recentFrames) this.recent.delete(this.recent.keys().next().value!);
    return data;
  }

  private async openStream(from: number): Promise<void> {
    await this.closeStream();
    this.stream = new RawFrameStream(this.file, this.width, this.height, { fps: this.fps, startFrame: from, signal: this.signal });
    this.streamPos = from;
  }

  private async closeStream(): Promise<void> {
    if (this.stream) await this.stream.close();
    this.stream = undefined;
  }

  async close(): Promise<void> {
    await this.closeStream();
    this.chunk = undefined;
    this.recent.clear();
  }
}
