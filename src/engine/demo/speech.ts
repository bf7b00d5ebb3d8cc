/**
 * A speech-like signal made in code, for the demo (no recordings, no downloads):
 * formant-synthesised babble. Phrases of 3 to 8 syllables separated by pauses; each
 * syllable a short consonant (a noise burst or a nasal murmur) and a vowel: a glottal
 * pulse train (F0 around 120 Hz with phrase declination and jitter) through three
 * formant resonators whose frequencies glide between the vowels /a e i o u/. It is
 * not language, but it has speech's rhythm (about 4 syllables per second), spectrum
 * and pauses, so audio features, voice activity and lip motion behave as with speech.
 *
 * Also returns the per-video-frame mouth opening that goes with it (vowel openness
 * times loudness), which drives the synthetic face of the demo video.
 */
import { promises as fs } from 'node:fs';
import { Rng } from '../common/numeric';
import { writeFileAtomic } from '../util/atomic-file';

export const SPEECH_RATE = 16000;

interface Vowel { f: [number, number, number]; open: number }
const VOWELS: Vowel[] = [
  { f: [750, 1250, 2600], open: 1 }, // a
  { f: [480, 1900, 2550], open: 0.55 }, // e
  { f: [300, 2250, 3000], open: 0.3 }, // i
  { f: [500, 900, 2450], open: 0.75 }, // o
  { f: [330, 800, 2300], open: 0.35 }, // u
];

export interface SyntheticSpeech {
  sampleRate: number;
  samples: Float32Array;
  /** Per video frame (at `fps`): mouth opening 0..1. */
  mouth: Float32Array;
  fps: number;
  /** [start, end) seconds of each phrase. */
  phrases: [number, number][];
}

/** Second-order resonator (Klatt): y = a x + b y1 + c y2. */
class Resonator {
  private y1 = 0;
  private y2 = 0;
  process(x: number, f: number, bw: number, rate: number): number {
    const c = -Math.exp((-2 * Math.PI * bw) / rate);
    const b = 2 * Math.exp((-Math.PI * bw) / rate) * Math.cos((2 * Math.PI * f) / rate);
    const a = 1 - b - c;
    const y = a * x + b * this.y1 + c * this.y2;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

export function synthesizeSpeech(durationS: number, opts: { seed?: number; fps?: number } = {}): SyntheticSpeech {
  const rate = SPEECH_RATE;
  const fps = opts.fps ?? 25;
  const n = Math.round(durationS * rate);
  const rng = new Rng(opts.seed ?? 7);
  const out = new Float32Array(n);
  const env = new Float32Array(n); // loudness × openness, for the mouth
  const phrases: [number, number][] = [];
  // Plan: syllables with (start, duration, vowel, consonant kind).
  type Syl = { t0: number; dur: number; v: Vowel; cons: 'burst' | 'nasal' | 'none'; stress: number };
  const syls: Syl[] = [];
  let t = 0.25 + rng.next() * 0.2;
  while (t < durationS - 0.4) {
    const count = 3 + Math.floor(rng.next() * 6);
    const start = t;
    for (let k = 0; k < count && t < durationS - 0.3; k++) {
      const dur = 0.16 + rng.next() * 0.14;
      const r = rng.next();
      syls.push({ t0: t, dur, v: VOWELS[Math.floor(rng.next() * VOWELS.length)], cons: r < 0.45 ? 'burst' : r < 0.75 ? 'nasal' : 'none', stress: k === 0 || rng.next() < 0.25 ? 1 : 0.7 });
      t += dur + rng.next() * 0.03;
    }
    phrases.push([start, t]);
    t += 0.25 + rng.next() * 0.5;
  }
  const r1 = new Resonator(), r2 = new Resonator(), r3 = new Resonator(), rn = new Resonator();
  let phase = 0;
  let glottal = 0;
  let si = 0;
  for (let i = 0; i < n; i++) {
    const time = i / rate;
    while (si < syls.length - 1 && time >= syls[si].t0 + syls[si].dur) si++;
    const s = syls[si];
    let voiced = 0, noise = 0, f = VOWELS[0].f, open = 0;
    if (s && time >= s.t0 && time < s.t0 + s.dur) {
      const u = (time - s.t0) / s.dur;
      // Formants glide from the previous vowel over the first 30 % of the syllable.
      const prev = si > 0 ? syls[si - 1].v : s.v;
      const g = Math.min(1, u / 0.3);
      f = [0, 1, 2].map((k) => prev.f[k] + (s.v.f[k] - prev.f[k]) * g) as [number, number, number];
      const consEnd = s.cons === 'none' ? 0 : 0.22;
      if (u < consEnd) {
        const cu = u / consEnd;
        if (s.cons === 'burst') noise = 0.5 * Math.sin(Math.PI * cu);
        else voiced = 0.25 * Math.sin(Math.PI * cu);
        open = s.cons === 'nasal' ? 0.1 : 0.2;
      } else {
        const vu = (u - consEnd) / (1 - consEnd);
        const a = Math.sin(Math.PI * Math.min(1, vu * 1.4)) ** 0.7 * (1 - 0.3 * vu);
        voiced = a * s.stress;
        open = s.v.open * a * s.stress;
      }
    }
    // Phrase declination of F0 and a little jitter/vibrato.
    const ph = phrases.find((p) => time >= p[0] && time < p[1]);
    const prog = ph ? (time - ph[0]) / (ph[1] - ph[0]) : 0;
    const f0 = 132 - 22 * prog + 4 * Math.sin(2 * Math.PI * 5.5 * time) + 2 * (rng.next() - 0.5);
    phase += f0 / rate;
    let pulse = 0;
    if (phase >= 1) {
      phase -= 1;
      pulse = 1;
    }
    // Glottal source: a decaying pulse (one-pole), spectrum falling ~12 dB/oct with the resonators.
    glottal = 0.94 * glottal + pulse;
    const src = (glottal - 0.5) * voiced + (rng.next() * 2 - 1) * (noise + 0.02 * voiced);
    let y = r1.process(src, f[0], 80, rate) + 0.6 * r2.process(src, f[1], 110, rate) + 0.3 * r3.process(src, f[2], 160, rate);
    if (s && s.cons === 'nasal' && voiced > 0 && (time - s.t0) / s.dur < 0.22) y = rn.process(src, 260, 60, rate) * 1.5;
    out[i] = y + (rng.next() * 2 - 1) * 0.0005;
    env[i] = open;
  }
  // Normalise to -3 dBFS peak.
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(out[i]));
  const gain = peak > 0 ? 0.707 / peak : 1;
  for (let i = 0; i < n; i++) out[i] *= gain;
  // Mouth per frame: mean opening over the frame, lightly smoothed.
  const T = Math.round(durationS * fps);
  const mouth = new Float32Array(T);
  for (let k = 0; k < T; k++) {
    const a = Math.floor((k / fps) * rate), b = Math.min(n, Math.floor(((k + 1) / fps) * rate));
    let s = 0;
    for (let i = a; i < b; i++) s += env[i];
    mouth[k] = b > a ? s / (b - a) : 0;
  }
  const sm = mouth.slice();
  for (let k = 0; k < T; k++) mouth[k] = 0.25 * (sm[Math.max(0, k - 1)] + 2 * sm[k] + sm[Math.min(T - 1, k + 1)]);
  return { sampleRate: rate, samples: out, mouth, fps, phrases };
}

/** 16-bit PCM mono WAV bytes. */
export function encodeWav(samples: Float32Array, sampleRate: number): Uint8Array {
  const buf = new Uint8Array(44 + samples.length * 2);
  const dv = new DataView(buf.buffer);
  const str = (o: number, s: string) => { for (let i = 0; i < s.length; i++) buf[o + i] = s.charCodeAt(i); };
  str(0, 'RIFF');
  dv.setUint32(4, 36 + samples.length * 2, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  dv.setUint32(16, 16, true);
  dv.setUint16(20, 1, true);
  dv.setUint16(22, 1, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * 2, true);
  dv.setUint16(32, 2, true);
  dv.setUint16(34, 16, true);
  str(36, 'data');
  dv.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) dv.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), true);
  return buf;
}

export async function writeWav(file: string, samples: Float32Array, sampleRate: number): Promise<void> {
  await fs.mkdir((await import('node:path')).dirname(file), { recursive: true });
  await writeFileAtomic(file, encodeWav(samples, sampleRate));
}
