import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { ffmpegPath, probeMedia, runProcess, type MediaInfo } from '../media/ffmpeg';
import { CancelledError, UserError, throwIfCancelled } from '../util/errors';
import type { ProgressFn } from '../util/progress';

/**
 * Streaming decode of any audio or video file ffmpeg reads to 16 kHz mono float32.
 * Samples reach the caller chunk by chunk as ffmpeg produces them; when the caller's
 * chunk handler returns a promise, ffmpeg's output is paused until it settles, so a
 * slow consumer never makes the decoder buffer the whole file.
 */
export const DECODE_SAMPLE_RATE = 16000;

const FORMATS_HINT = 'Use an audio or video file such as WAV, MP3, M4A/AAC, FLAC, OGG/Opus, MP4, MOV or MKV.';

export interface AudioSourceInfo {
  file: string;
  /** Duration of the audio stream (or of the container when the stream does not say), seconds. */
  durationS: number;
  /** The source's own sample rate and channel count (before conversion to 16 kHz mono). */
  sampleRate: number;
  channels: number;
  codec: string;
  formatName: string;
  hasVideo: boolean;
}

export interface DecodeStreamOptions {
  /** Receives each chunk of samples. The array is reused after the call returns (or its promise settles): copy what you keep. */
  onChunk: (samples: Float32Array) => void | Promise<void>;
  signal?: AbortSignal;
  onProgress?: ProgressFn;
  /** Overall limit; default 60 s + 0.25 s per second of audio. */
  timeoutMs?: number;
  /** Kill ffmpeg when it produces nothing for this long (default 30 s). */
  stallTimeoutMs?: number;
  /** Already probed source (skips the ffprobe call). */
  info?: AudioSourceInfo;
  /** For tests and diagnostics: the ffmpeg child process once started. */
  onProcess?: (child: ChildProcess) => void;
}

export interface DecodeResult {
  info: AudioSourceInfo;
  /** Samples delivered at 16 kHz. */
  totalSamples: number;
}

/** Probes `file` and checks that it holds a decodable audio stream; UserError otherwise. */
export async function probeAudioSource(file: string, opts: { signal?: AbortSignal } = {}): Promise<AudioSourceInfo> {
  // probeMedia says "incomplete" for a cut-off MP4 and "not a media file" otherwise, for every command alike.
  const media: MediaInfo = await probeMedia(file, opts);
  await checkRiffComplete(file, media.formatName);
  const a = media.audio;
  if (!a) {
    const what = media.video ? 'it holds video only' : 'it holds no audio or video streams';
    throw new UserError('media-no-audio', `${file} has no audio stream (${what}).`, {
      file,
      hint: 'Choose the file with the voice-over, or add the sound track to the video first.',
    });
  }
  if (a.codec === 'unknown' || a.codec === 'none' || !a.sampleRate || !a.channels) {
    throw new UserError('audio-codec-unsupported', `${file} uses an audio codec that the bundled ffmpeg cannot decode (${a.codec === 'unknown' ? 'unidentified codec' : a.codec}).`, {
      file,
      hint: `Convert it to a common format first (for example WAV or FLAC). ${FORMATS_HINT}`,
    });
  }
  return {
    file,
    durationS: a.durationS ?? media.durationS,
    sampleRate: a.sampleRate,
    channels: a.channels,
    codec: a.codec,
    formatName: media.formatName,
    hasVideo: Boolean(media.video),
  };
}

/**
 * A WAV file states the size of its sample data in its header; a copy cut off
 * while downloading holds less. ffmpeg then estimates the duration from the file
 * size and decodes what is there without complaint, so check the header here.
 * (Streaming writers leave the size 0 or 0xFFFFFFFF: those are not judged.)
 */
async function checkRiffComplete(file: string, formatName: string): Promise<void> {
  if (!/wav/.test(formatName)) return;
  const fh = await fs.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(Math.min(size, 65536));
    await fh.read(head, 0, head.length, 0);
    if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return;
    let o = 12;
    let byteRate = 0;
    while (o + 8 <= head.length) {
      const id = head.toString('latin1', o, o + 4);
      const len = head.readUInt32LE(o + 4);
      if (id === 'fmt ' && o + 20 <= head.length) byteRate = head.readUInt32LE(o + 16);
      if (id === 'data') {
        if (len === 0 || len === 0xffffffff) return;
        const have = size - (o + 8);
        if (have < len * 0.98 && len - have > 4096) {
          const declared = byteRate > 0 ? ` of the ${(len / byteRate).toFixed(2)} s its header declares` : '';
          throw new UserError('media-truncated', `${file} is incomplete: it holds ${byteRate > 0 ? `${(have / byteRate).toFixed(2)} s` : `${have} bytes`}${declared} (the file was probably cut off while copying or downloading).`, {
            file,
            hint: 'Use the complete original file, or re-export it from the app that recorded it.',
          });
        }
        return;
      }
      o += 8 + len + (len & 1);
    }
  } finally {
    await fh.close();
  }
}

function decodeError(file: string, info: AudioSourceInfo, stderr: string, code: number): UserError {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines.slice(-3).join(' | ') || `exit code ${code}`;
  if (/decoder .*not found|no decoder|unsupported codec|could not find codec parameters|not yet implemented/i.test(stderr)) {
    return new UserError('audio-codec-unsupported', `${file} uses an audio codec (${info.codec}) that the bundled ffmpeg cannot decode: ${last}`, {
      file,
      hint: `Convert it to a common format first (for example WAV or FLAC). ${FORMATS_HINT}`,
    });
  }
  return new UserError('audio-decode-failed', `${file} could not be decoded: ${last}`, {
    file,
    hint: 'The file may be damaged or incomplete; play it to check, or convert it to WAV with another tool first.',
  });
}

/**
 * Decodes `file` to 16 kHz mono float32, streaming chunks to `opts.onChunk`.
 * Throws UserError for unreadable, empty, truncated, audio-less or undecodable files,
 * CancelledError when `opts.signal` fires; ffmpeg is killed on cancel, timeout or stall.
 */
export async function decodeAudioStream(file: string, opts: DecodeStreamOptions): Promise<DecodeResult> {
  throwIfCancelled(opts.signal);
  const info = opts.info ?? (await probeAudioSource(file, { signal: opts.signal }));
  throwIfCancelled(opts.signal);

  const internal = new AbortController();
  const onOuterAbort = () => internal.abort();
  opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
  const stallMs = opts.stallTimeoutMs ?? 30_000;
  const timeoutMs = opts.timeoutMs ?? 60_000 + Math.ceil(info.durationS * 250);
  const watchdog = new StallWatchdog(stallMs, () => internal.abort());
  const aligner = new SampleAligner();
  const progress = throttledDecodeProgress(opts.onProgress, Math.max(1, info.durationS * DECODE_SAMPLE_RATE));
  let total = 0;
  const pump = new ChunkPump((bytes) => {
    const samples = aligner.push(bytes);
    if (samples.length === 0) return;
    total += samples.length;
    progress(total);
    return opts.onChunk(samples);
  }, internal, watchdog);
  // Once stopping, let ffmpeg's output drain (and be discarded) so its pipes close.
  internal.signal.addEventListener('abort', () => pump.child?.stdout?.resume(), { once: true });

  const args = ['-nostdin', '-hide_banner', '-v', 'error', '-i', file, '-map', '0:a:0', '-vn', '-sn', '-dn', '-ac', '1', '-ar', String(DECODE_SAMPLE_RATE), '-f', 'f32le', 'pipe:1'];
  let res: Awaited<ReturnType<typeof runProcess>>;
  watchdog.arm();
  try {
    res = await runProcess(ffmpegPath(), args, {
      signal: internal.signal,
      timeoutMs,
      onSpawn: (c) => {
        pump.child = c;
        opts.onProcess?.(c);
      },
      onStdout: (chunk) => pump.push(chunk),
    });
    await pump.finish();
  } catch (err) {
    await pump.drained.catch(() => undefined);
    if (pump.error !== undefined) throw pump.error;
    if (opts.signal?.aborted) throw new CancelledError();
    throw stoppedError(file, err, watchdog.stalled, stallMs, timeoutMs);
  } finally {
    watchdog.disarm();
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  if (pump.error !== undefined) throw pump.error;
  if (res.code !== 0) throw decodeError(file, info, res.stderr, res.code);
  checkDecodedLength(file, info, total);
  opts.onProgress?.({ stage: 'decode', fraction: 1, message: `${(total / DECODE_SAMPLE_RATE).toFixed(1)} s decoded` });
  return { info, totalSamples: total };
}

/** The error for a decode that ffmpeg did not finish: stalled, past its time limit, or what runProcess threw. */
function stoppedError(file: string, err: unknown, stalled: boolean, stallMs: number, timeoutMs: number): unknown {
  if (stalled) {
    return new UserError('audio-decode-stalled', `Decoding ${file} stopped making progress for ${Math.round(stallMs / 1000)} s and was stopped.`, {
      file,
      hint: 'The file may be damaged or on a slow or disconnected drive; copy it to a local disk or convert it to WAV first.',
    });
  }
  if (err instanceof UserError && err.code === 'process-timeout') {
    return new UserError('audio-decode-timeout', `Decoding ${file} took longer than ${Math.round(timeoutMs / 1000)} s and was stopped.`, {
      file,
      hint: 'The file may be damaged; convert it to WAV or FLAC with another tool and try again.',
      cause: err,
    });
  }
  return err;
}

/** Refuses a decode that gave no samples, or clearly fewer than the stream declares (a file cut off). */
function checkDecodedLength(file: string, info: AudioSourceInfo, total: number): void {
  if (total === 0) {
    throw new UserError('audio-empty', `${file} holds no decodable audio (its audio stream is empty or damaged).`, {
      file,
      hint: 'Choose the original recording; if this is it, re-export it from the app that made it.',
    });
  }
  const decodedS = total / DECODE_SAMPLE_RATE;
  if (info.durationS > 1 && decodedS < info.durationS * 0.9 - 0.25) {
    throw new UserError('media-truncated', `${file} is incomplete: it holds ${decodedS.toFixed(2)} s of audio but declares ${info.durationS.toFixed(2)} s (the file was probably cut off while copying or downloading).`, {
      file,
      hint: 'Use the complete original file, or re-export it from the app that recorded it.',
    });
  }
}

/** 'decode' progress at most every 100 ms, as a fraction of the `expected` samples. */
function throttledDecodeProgress(onProgress: ProgressFn | undefined, expected: number): (total: number) => void {
  let last = 0;
  return (total) => {
    if (!onProgress) return;
    const now = Date.now();
    if (now - last <= 100) return;
    last = now;
    onProgress({ stage: 'decode', fraction: Math.min(0.999, total / expected), message: `${(total / DECODE_SAMPLE_RATE).toFixed(1)} s decoded` });
  };
}

/** Bytes of f32le → whole float32 samples; a chunk need not end on a sample (nor be 4-byte aligned). */
export class SampleAligner {
  private carry = Buffer.alloc(0);
  private scratch = new Float32Array(16384);

  /** The whole samples of what came so far and `bytes`; the array is reused by the next call. */
  push(bytes: Buffer): Float32Array {
    let buf = bytes;
    if (this.carry.length > 0) {
      buf = Buffer.concat([this.carry, bytes]);
      this.carry = Buffer.alloc(0);
    }
    const usable = buf.length - (buf.length % 4);
    if (usable < buf.length) this.carry = Buffer.from(buf.subarray(usable));
    const n = usable / 4;
    if (this.scratch.length < n) this.scratch = new Float32Array(Math.max(n, this.scratch.length * 2));
    // Copy into an aligned buffer (stream chunks need not be 4-byte aligned).
    buf.copy(new Uint8Array(this.scratch.buffer, 0, usable), 0, 0, usable);
    return this.scratch.subarray(0, n);
  }
}

/** Stops the decode (`onStall`) when ffmpeg produces nothing for `ms`; disarmed while the consumer works. */
class StallWatchdog {
  stalled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number, private readonly onStall: () => void) {}

  arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.onStall();
    }, this.ms);
    this.timer.unref?.();
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * ffmpeg's stdout chunks, handed to `deliver` one at a time and in order. While the
 * promise a delivery returns is pending, ffmpeg's output is paused and the stall
 * watchdog disarmed; the first error (thrown or rejected) stops the decode.
 */
class ChunkPump {
  child: ChildProcess | undefined;
  /** The first error of a delivery. */
  error: unknown;
  /** Settles when the pending delivery does. */
  drained: Promise<void> = Promise.resolve();
  private readonly queue: Buffer[] = [];
  private busy = false;

  constructor(
    private readonly deliver: (bytes: Buffer) => void | Promise<void>,
    private readonly stop: AbortController,
    private readonly watchdog: StallWatchdog,
  ) {}

  push(chunk: Buffer): void {
    if (this.error !== undefined || this.stop.signal.aborted) return;
    if (!this.busy) this.watchdog.arm();
    this.queue.push(chunk);
    this.pump();
  }

  /** Lets the last deliveries finish. */
  async finish(): Promise<void> {
    while (this.busy || this.queue.length > 0) {
      await this.drained;
      if (this.error !== undefined) break;
      this.pump();
    }
  }

  private fail(err: unknown): void {
    if (this.error === undefined) this.error = err;
    this.stop.abort();
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.busy && this.error === undefined) {
      const chunk = this.queue.shift()!;
      let r: void | Promise<void>;
      try {
        r = this.deliver(chunk);
      } catch (err) {
        this.fail(err);
        return;
      }
      if (r && typeof (r as Promise<void>).then === 'function') {
        this.busy = true;
        this.watchdog.disarm();
        this.child?.stdout?.pause();
        this.drained = (r as Promise<void>).then(
          () => {
            this.busy = false;
            if (!this.stop.signal.aborted) {
              this.watchdog.arm();
              this.child?.stdout?.resume();
            }
            this.pump();
          },
          (err) => {
            this.busy = false;
            this.fail(err);
          },
        );
        return;
      }
    }
  }
}

/** Whole-file convenience for short clips: all samples in one Float32Array (4 bytes per sample: 230 MB per hour). */
export async function decodeAudio(
  file: string,
  opts: { signal?: AbortSignal; onProgress?: ProgressFn; timeoutMs?: number } = {},
): Promise<{ samples: Float32Array; sampleRate: 16000; info: AudioSourceInfo }> {
  let buf = new Float32Array(DECODE_SAMPLE_RATE * 30);
  let n = 0;
  const { info, totalSamples } = await decodeAudioStream(file, {
    ...opts,
    onChunk: (s) => {
      if (n + s.length > buf.length) {
        let cap = buf.length * 2;
        while (cap < n + s.length) cap *= 2;
        const next = new Float32Array(cap);
        next.set(buf.subarray(0, n));
        buf = next;
      }
      buf.set(s, n);
      n += s.length;
    },
  });
  return { samples: buf.slice(0, totalSamples), sampleRate: DECODE_SAMPLE_RATE, info };
}
