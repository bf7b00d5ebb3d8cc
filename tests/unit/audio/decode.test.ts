import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeAudio, decodeAudioStream, probeAudioSource } from '../../../src/engine/audio/index';
import { SampleAligner } from '../../../src/engine/audio/decode';
import { UserError, CancelledError } from '../../../src/engine/util/errors';
import { ffmpeg, tmpDir, writeWavUnknownCodec } from '../../helpers/audio-fixtures';

let dir: string;
let cleanup: () => void;
const files: Record<string, string> = {};

/** Dominant frequency by counting positive-going zero crossings. */
function zeroCrossingHz(x: Float32Array, sr = 16000): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1] < 0 && x[i] >= 0) n++;
  return n / (x.length / sr);
}

async function expectUserError(p: Promise<unknown>, code: RegExp | string, file: string): Promise<UserError> {
  let err: unknown;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a UserError').toBeInstanceOf(UserError);
  const u = err as UserError;
  if (typeof code === 'string') expect(u.code).toBe(code);
  else expect(u.code).toMatch(code);
  expect(u.message + (u.file ?? '')).toContain(path.basename(file));
  expect(u.hint, 'says what to do').toBeTruthy();
  return u;
}

beforeAll(async () => {
  ({ dir, cleanup } = tmpDir());
  const src = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=2', '-ac', '2'];
  const jobs: Array<[string, string[]]> = [
    ['tone.wav', [...src, '-c:a', 'pcm_s16le']],
    ['tone.mp3', [...src, '-c:a', 'libmp3lame', '-b:a', '128k']],
    ['tone.m4a', [...src, '-c:a', 'aac', '-b:a', '96k']],
    ['tone.aac', [...src, '-c:a', 'aac', '-b:a', '96k', '-f', 'adts']],
    ['tone.flac', [...src, '-c:a', 'flac']],
    ['tone.ogg', [...src, '-c:a', 'libvorbis']],
    ['tone.opus', [...src, '-c:a', 'libopus', '-b:a', '64k']],
    ['tone.mp4', ['-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=25:duration=2', ...src, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest']],
    ['tone.mov', ['-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=30:duration=2', ...src, '-c:v', 'mpeg4', '-c:a', 'pcm_s16le', '-shortest']],
    ['tone.mkv', ['-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=30:duration=2', ...src, '-c:v', 'mpeg4', '-c:a', 'libopus', '-shortest']],
    ['noaudio.mp4', ['-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=25:duration=1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p']],
    ['long.wav', ['-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=16000:duration=30', '-c:a', 'pcm_s16le']],
  ];
  await Promise.all(jobs.map(async ([name, args]) => {
    files[name] = path.join(dir, name);
    await ffmpeg([...args, files[name]]);
  }));
  // Bad inputs
  files.text = path.join(dir, 'notes.wav');
  writeFileSync(files.text, 'These are my notes for the video, not a recording.\n'.repeat(20));
  files.empty = path.join(dir, 'empty.mp3');
  writeFileSync(files.empty, '');
  for (const name of ['tone.wav', 'tone.mp3', 'tone.m4a']) {
    const b = readFileSync(files[name]);
    files[`cut-${name}`] = path.join(dir, `cut-${name}`);
    writeFileSync(files[`cut-${name}`], b.subarray(0, Math.floor(b.length / 2)));
  }
  files.unknown = path.join(dir, 'strange-codec.wav');
  writeWavUnknownCodec(files.unknown);
});

afterAll(() => cleanup?.());

describe('decodeAudio: any common format to 16 kHz mono float32', () => {
  for (const name of ['tone.wav', 'tone.mp3', 'tone.m4a', 'tone.aac', 'tone.flac', 'tone.ogg', 'tone.opus', 'tone.mp4', 'tone.mov', 'tone.mkv']) {
    it(`decodes ${name}`, async () => {
      const { samples, sampleRate, info } = await decodeAudio(files[name]);
      expect(sampleRate).toBe(16000);
      expect(Math.abs(samples.length - 32000)).toBeLessThan(16000 * 0.1); // 2 s (codec priming may add a little)
      expect(info.channels).toBe(2);
      expect(info.durationS).toBeGreaterThan(1.9);
      expect(info.durationS).toBeLessThan(2.2);
      expect([44100, 48000]).toContain(info.sampleRate); // opus always decodes at 48 kHz
      const mid = samples.subarray(8000, 24000);
      expect(zeroCrossingHz(mid)).toBeGreaterThan(435);
      expect(zeroCrossingHz(mid)).toBeLessThan(445);
      let peak = 0;
      for (const v of mid) peak = Math.max(peak, Math.abs(v));
      expect(peak).toBeGreaterThan(0.05);
      expect(peak).toBeLessThanOrEqual(1.01);
      if (name.endsWith('.mp4') || name.endsWith('.mov') || name.endsWith('.mkv')) expect(info.hasVideo).toBe(true);
    });
  }

  it('streams: chunks arrive in order and sum to the whole; an async handler pauses ffmpeg', async () => {
    const whole = await decodeAudio(files['long.wav']);
    let n = 0;
    let chunks = 0;
    let mismatches = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const res = await decodeAudioStream(files['long.wav'], {
      onChunk: async (s) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        for (let i = 0; i < s.length; i += 97) if (s[i] !== whole.samples[n + i]) mismatches++;
        n += s.length;
        chunks++;
        await new Promise((r) => setTimeout(r, 0));
        inFlight--;
      },
    });
    expect(res.totalSamples).toBe(16000 * 30);
    expect(n).toBe(res.totalSamples);
    expect(whole.samples.length).toBe(res.totalSamples);
    expect(chunks).toBeGreaterThan(5);
    expect(mismatches).toBe(0);
    expect(maxInFlight).toBe(1);
  });

  it('SampleAligner joins samples split across chunks at any byte, from unaligned buffers', () => {
    const values = Float32Array.from({ length: 50 }, (_, i) => i * 0.5 - 3);
    const bytes = Buffer.from(values.buffer);
    const got: number[] = [];
    const aligner = new SampleAligner();
    // Cuts at 1, 3, 4, 9, ... bytes, each chunk copied to an odd offset of a larger buffer.
    for (let at = 0, k = 1; at < bytes.length; k += 2) {
      const cut = bytes.subarray(at, Math.min(bytes.length, at + k));
      const host = Buffer.alloc(cut.length + 1);
      cut.copy(host, 1);
      got.push(...aligner.push(host.subarray(1)));
      at += cut.length;
    }
    expect(got).toEqual(Array.from(values));
  });

  it('reports the source sample rate, channels and codec', async () => {
    const info = await probeAudioSource(files['tone.flac']);
    expect(info).toMatchObject({ sampleRate: 44100, channels: 2, codec: 'flac', hasVideo: false });
  });

  it('propagates an error thrown by the chunk handler and stops ffmpeg', async () => {
    await expect(decodeAudioStream(files['long.wav'], { onChunk: () => { throw new Error('consumer broke'); } })).rejects.toThrow('consumer broke');
  });
});

describe('bad input: a UserError naming the file and what to do', () => {
  it('a text file renamed .wav', async () => {
    await expectUserError(decodeAudio(files.text), 'media-unreadable', files.text);
  });

  it('an empty file', async () => {
    await expectUserError(decodeAudio(files.empty), 'media-empty', files.empty);
  });

  it('a missing file', async () => {
    await expectUserError(decodeAudio(path.join(dir, 'nope.wav')), 'media-not-found', 'nope.wav');
  });

  for (const name of ['cut-tone.wav', 'cut-tone.mp3', 'cut-tone.m4a']) {
    it(`a truncated file (${name.slice(4)} cut in half)`, async () => {
      const e = await expectUserError(decodeAudio(files[name]), /media-truncated|media-unreadable|audio-decode-failed/, files[name]);
      expect(e.message).toMatch(/incomplete|damaged|cut off|moov|could not be decoded/i);
    });
  }

  it('a video with no audio stream', async () => {
    const e = await expectUserError(decodeAudio(files['noaudio.mp4']), 'media-no-audio', files['noaudio.mp4']);
    expect(e.message).toMatch(/video only/);
  });

  it('an audio codec the bundled ffmpeg cannot decode', async () => {
    await expectUserError(decodeAudio(files.unknown), 'audio-codec-unsupported', files.unknown);
  });
});

describe('cancel and timeout: ffmpeg is killed, nothing hangs', () => {
  it('aborting mid-decode rejects with CancelledError and kills ffmpeg', async () => {
    const ac = new AbortController();
    let pid: number | undefined;
    let got = 0;
    const t0 = Date.now();
    const p = decodeAudioStream(files['long.wav'], {
      signal: ac.signal,
      onProcess: (c) => (pid = c.pid),
      onChunk: async (s) => {
        got += s.length;
        if (got > 16000) ac.abort();
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(pid).toBeTypeOf('number');
    await new Promise((r) => setTimeout(r, 100));
    expect(() => process.kill(pid!, 0)).toThrow(); // gone
  });

  it('an already-aborted signal rejects at once', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(decodeAudio(files['tone.wav'], { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it('a decode past its time limit is stopped with a UserError', async () => {
    const slow = decodeAudioStream(files['long.wav'], {
      timeoutMs: 300,
      onChunk: () => new Promise((r) => setTimeout(r, 60)),
    });
    const e = await expectUserError(slow, 'audio-decode-timeout', files['long.wav']);
    expect(e.message).toMatch(/longer than/);
  });
});
