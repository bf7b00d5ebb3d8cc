import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, accessSync, chmodSync, statSync, openSync, readSync, closeSync, constants as fsConstants } from 'node:fs';
import { UserError, CancelledError } from '../util/errors';

/**
 * The bundled ffmpeg and ffprobe (from @ffmpeg-installer / @ffprobe-installer,
 * whose binaries ship inside the npm packages). FFMPEG_PATH / FFPROBE_PATH override.
 */
const requireCjs = createRequire(import.meta.url);

function resolveBinary(envVar: string, pkg: string, name: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  try {
    const mod = requireCjs(pkg) as { path: string };
    // In a packaged Electron app binaries live outside the asar archive.
    const p = mod.path.replace('app.asar', 'app.asar.unpacked');
    if (existsSync(p)) return ensureExecutable(p, envVar, name);
  } catch (err) {
    if (err instanceof UserError) throw err;
    /* fall through to a clear error below */
  }
  throw new UserError('ffmpeg-missing', `The bundled ${name} binary was not found for ${process.platform}-${process.arch}.`, {
    hint: `Run \`npm ci\` again, or set ${envVar} to a ${name} executable.`,
  });
}

/**
 * The installer packages set the executable bit in a postinstall script, which does
 * not run when npm is configured with ignore-scripts (as this project is). Restore
 * the bit once, or explain what to do when the file cannot be changed.
 */
const checkedExecutable = new Set<string>();
function ensureExecutable(p: string, envVar: string, name: string): string {
  if (process.platform === 'win32' || checkedExecutable.has(p)) return p;
  try {
    accessSync(p, fsConstants.X_OK);
  } catch {
    try {
      chmodSync(p, statSync(p).mode | 0o755);
      accessSync(p, fsConstants.X_OK);
    } catch {
      throw new UserError('ffmpeg-not-executable', `The bundled ${name} at ${p} is not executable.`, {
        file: p,
        hint: `Run \`chmod +x ${p}\`, or set ${envVar} to a ${name} executable.`,
      });
    }
  }
  checkedExecutable.add(p);
  return p;
}

export function ffmpegPath(): string {
  return resolveBinary('FFMPEG_PATH', '@ffmpeg-installer/ffmpeg', 'ffmpeg');
}

export function ffprobePath(): string {
  return resolveBinary('FFPROBE_PATH', '@ffprobe-installer/ffprobe', 'ffprobe');
}

export interface ProcessRunOptions {
  signal?: AbortSignal;
  /** Kill the process after this many ms without it finishing (default: none). */
  timeoutMs?: number;
  /** Receives stdout chunks as they arrive (streaming); when set, stdout is not buffered. */
  onStdout?: (chunk: Buffer) => void;
  /** Data written to stdin, then stdin is closed. */
  stdin?: Uint8Array;
  /** Keep stdin open and hand the process to the caller (for piping frames in). */
  keepStdinOpen?: boolean;
  onSpawn?: (child: ChildProcess) => void;
}

export interface ProcessResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs a binary with cancellation and a timeout. The process is killed (SIGKILL
 * after a short SIGTERM grace) on abort or timeout, so nothing hangs.
 */
export function runProcess(bin: string, args: string[], opts: ProcessRunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new CancelledError());
    const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    let err = '';
    let settled = false;
    let timedOut = false;
    const kill = () => {
      // A consumer that paused stdout would keep 'close' (and this promise) from ever coming.
      child.stdout?.resume();
      if (child.exitCode === null && !child.killed) {
        child.kill('SIGTERM');
        setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 1500).unref();
      }
    };
    const onAbort = () => kill();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = opts.timeoutMs ? setTimeout(() => { timedOut = true; kill(); }, opts.timeoutMs) : undefined;
    child.stdout!.on('data', (c: Buffer) => (opts.onStdout ? opts.onStdout(c) : out.push(c)));
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString('utf8');
      if (err.length > 200_000) err = err.slice(-100_000);
    });
    child.stdin!.on('error', () => undefined); // EPIPE when the process exits early
    if (opts.stdin) child.stdin!.end(opts.stdin);
    else if (!opts.keepStdinOpen) child.stdin!.end();
    opts.onSpawn?.(child);
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    child.on('error', (e) => finish(() => reject(e)));
    child.on('close', (code) => {
      finish(() => {
        if (opts.signal?.aborted) reject(new CancelledError());
        else if (timedOut) reject(new UserError('process-timeout', `${bin.split(/[\\/]/).pop()} took longer than ${Math.round(opts.timeoutMs! / 1000)} s and was stopped.`, { hint: 'The input may be damaged or unusually long; try converting it to a standard format first.' }));
        else resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: err });
      });
    });
  });
}

export interface MediaStreamInfo {
  index: number;
  type: 'audio' | 'video' | 'other';
  codec: string;
  /** The stream's own duration when the container states it (seconds). */
  durationS?: number;
  /** audio */
  sampleRate?: number;
  channels?: number;
  /** video */
  width?: number;
  height?: number;
  fps?: number;
  frameCount?: number;
  rotation?: number;
}

export interface MediaInfo {
  file: string;
  formatName: string;
  durationS: number;
  streams: MediaStreamInfo[];
  audio?: MediaStreamInfo;
  video?: MediaStreamInfo;
}

function parseRate(r: string | undefined): number | undefined {
  if (!r) return undefined;
  const [n, d] = r.split('/').map(Number);
  if (!d) return Number.isFinite(n) && n > 0 ? n : undefined;
  return n > 0 && d > 0 ? n / d : undefined;
}

/**
 * Describes a media file with ffprobe. Throws a UserError that names the file
 * when it is missing, empty, or not a media file.
 */
/** True when the file starts with an ISO base media box (ftyp, moov, mdat, free, wide, skip): an MP4/MOV, whole or not. */
function looksLikeIsoMedia(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(12);
      readSync(fd, head, 0, 12, 0);
      return /^(ftyp|moov|mdat|free|wide|skip)$/.test(head.toString('latin1', 4, 8));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // unreadable here: ffprobe's own message stands
  }
}

export async function probeMedia(file: string, opts: { signal?: AbortSignal } = {}): Promise<MediaInfo> {
  const { statSync } = await import('node:fs');
  let st: import('node:fs').Stats;
  try {
    st = statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new UserError('media-permission', `Cannot open ${file}: permission denied.`, { file, hint: 'Choose a file you may read, or change its permissions.' });
    throw new UserError('media-not-found', `Cannot open ${file}: no such file.`, { file, hint: 'Check the path and that the file still exists.' });
  }
  // A folder or a pipe is not "missing": say what it is.
  if (st.isDirectory()) throw new UserError('media-is-folder', `${file} is a folder, not a media file.`, { file, hint: 'Choose a file inside it.' });
  if (!st.isFile()) throw new UserError('media-not-regular', `${file} is not a regular file (a pipe, socket or device), so it cannot be read as media.`, { file, hint: 'Save the audio or video to a file first and choose that file.' });
  const size = st.size;
  if (size === 0) throw new UserError('media-empty', `${file} is empty (0 bytes).`, { file, hint: 'Choose the original recording; this copy holds no data.' });
  const res = await runProcess(ffprobePath(), ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], {
    signal: opts.signal,
    timeoutMs: 60_000,
  });
  let json: { format?: { format_name?: string; duration?: string }; streams?: Array<Record<string, unknown>> } = {};
  try {
    json = JSON.parse(res.stdout.toString('utf8') || '{}');
  } catch { /* handled below */ }
  if (res.code !== 0 || !json.format) {
    // The last two lines, without ffmpeg's "[demuxer @ 0x...]" prefixes and the repeated path:
    // the line before "Invalid data found" often names the cause (e.g. "moov atom not found").
    const why = res.stderr.trim().split('\n').map((l) => l.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/i, '').replace(`${file}: `, '').trim()).filter(Boolean).slice(-2).join('; ') || 'unknown format';
    // One message for a cut-off recording, whichever command reads it first. ffprobe says "moov atom
    // not found" for any file named .mp4; only one that starts like an MP4 (an ISO box) was cut off.
    if (/moov atom not found/i.test(why) && looksLikeIsoMedia(file)) {
      throw new UserError('media-truncated', `${file} is incomplete: its index (moov atom) is missing, which happens when a recording or download was cut off.`, {
        file,
        hint: 'Use the complete file (copy or download it again), or re-save it with another program.',
      });
    }
    throw new UserError('media-unreadable', `${file} is not a media file that can be read (${why}).`, {
      file,
      hint: 'Use an audio or video file such as WAV, MP3, M4A, FLAC, OGG, MP4, MOV or MKV; if it is one, it may be damaged.',
    });
  }
  const streams: MediaStreamInfo[] = (json.streams ?? []).map((s) => {
    const type = s.codec_type === 'audio' ? 'audio' : s.codec_type === 'video' ? 'video' : 'other';
    const tags = (s.tags ?? {}) as Record<string, string>;
    const sideData = (s.side_data_list ?? []) as Array<Record<string, unknown>>;
    const rotation = Number(tags.rotate ?? sideData.find((d) => d.rotation !== undefined)?.rotation ?? 0) || 0;
    return {
      index: Number(s.index),
      type,
      codec: String(s.codec_name ?? 'unknown'),
      durationS: Number(s.duration) > 0 ? Number(s.duration) : undefined,
      sampleRate: s.sample_rate ? Number(s.sample_rate) : undefined,
      channels: s.channels ? Number(s.channels) : undefined,
      width: s.width ? Number(s.width) : undefined,
      height: s.height ? Number(s.height) : undefined,
      fps: type === 'video' ? parseRate(String(s.avg_frame_rate ?? '')) ?? parseRate(String(s.r_frame_rate ?? '')) : undefined,
      frameCount: s.nb_frames ? Number(s.nb_frames) : undefined,
      rotation,
    } satisfies MediaStreamInfo;
  });
  // Cover art in audio files shows up as a video stream with a single frame: ignore it.
  const video = streams.find((s) => s.type === 'video' && !(s.codec === 'mjpeg' || s.codec === 'png'));
  return {
    file,
    formatName: json.format.format_name ?? 'unknown',
    durationS: Number(json.format.duration ?? 0) || 0,
    streams,
    audio: streams.find((s) => s.type === 'audio'),
    video,
  };
}
