/**
 * Neural engine benchmark: the product's own FACIAL-GAN training steps
 * (src/engine/gan/network.ts discriminatorStep then generatorStep, reference size,
 * batch 16, window 128) on ONNX Runtime CPU, beside a PyTorch port of that exact model
 * (bench/pytorch/facial_gan_step.py, run by Debian's /usr/bin/python3 when it has
 * torch). The two alternate step by step in one run, so load from other processes
 * on a shared machine hits both alike; the ratio is the figure to trust, and the load
 * average is reported with it. A profiled step says where the engine's time goes.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import type { BenchContext, BenchFigure } from './types';
import { InferenceRunner, ParameterStore, Trainer, compileTrainStep, exportInference } from '../src/engine/nn';
import { formatProfile, summarizeProfile } from '../src/engine/nn/profile';
import { DEFAULT_LOSS_WEIGHTS, discriminatorStep, generatorStep, inferenceGraph, type StepConfig } from '../src/engine/gan';
import { Rng } from '../src/engine/common/numeric';

export const topic = 'nn';
export const title = "Neural engine: FACIAL-GAN's own training steps on ONNX Runtime CPU vs a PyTorch port of the same model";

const THREADS = 2;
const STEPS = 16;
const DIM = 29;
const PARAMS = 71;

export function stepConfig(window = 128, batch = 16): StepConfig {
  return { arch: { window, width: 1 }, batch, lr: 1e-4, weights: DEFAULT_LOSS_WEIGHTS };
}

function randomBatch(rng: Rng, B: number, L: number) {
  return {
    audio: new Float32Array(B * L * STEPS * DIM).map(() => rng.normal()),
    state: new Float32Array(B * PARAMS).map(() => 0.5 * rng.normal()),
    target: new Float32Array(B * L * PARAMS).map(() => 0.5 * rng.normal()),
  };
}

interface TorchInfo {
  g_params: number;
  d_params: number;
  threads: number;
  torch: string;
  blas: string;
  mkldnn: boolean;
}

/** The PyTorch port as a child process that runs one step per request (so steps can alternate with the engine's). */
class TorchStepper {
  private lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  static async start(window: number, batch: number): Promise<{ stepper: TorchStepper; info: TorchInfo } | string> {
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
    } catch {
      return 'PyTorch missing: /usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch libopenblas0-pthread)';
    }
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pytorch', 'facial_gan_step.py');
    const child = spawn('/usr/bin/python3', [script, '--serve', '--threads', String(THREADS), '--window', String(window), '--batch', String(batch)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const s = new TorchStepper(child);
    try {
      return { stepper: s, info: (await s.next()) as unknown as TorchInfo };
    } catch (err) {
      child.kill();
      return `PyTorch port failed to start: ${(err as Error).message} ${stderr.split('\n').slice(-3).join(' ')}`;
    }
  }

  private async next(): Promise<Record<string, number | string | boolean>> {
    const r = await this.lines.next();
    if (r.done) throw new Error('the PyTorch process ended');
    return JSON.parse(r.value) as Record<string, number | string | boolean>;
  }

  async request(cmd: 'step' | 'infer' | `threads ${number}`): Promise<Record<string, number>> {
    this.child.stdin.write(`${cmd}\n`);
    return (await this.next()) as Record<string, number>;
  }

  stop(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

const best = (xs: number[]) => Math.min(...xs);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const load = () => os.loadavg()[0].toFixed(1);

export async function run(ctx: BenchContext): Promise<BenchFigure[]> {
  const cfg = stepConfig();
  const { batch: B } = cfg;
  const L = cfg.arch.window;
  const steps = ctx.quick ? 2 : 6;
  const load0 = load();
  ctx.log(`ONNX Runtime ${ort.env.versions.node ?? '?'} CPU EP, ${THREADS} intra-op threads; ${os.cpus().length} cores, load average ${load0}`);

  const t0 = performance.now();
  const dStep = compileTrainStep(discriminatorStep(cfg));
  const gStep = compileTrainStep(generatorStep(cfg));
  const compileMs = performance.now() - t0;
  const params = new ParameterStore(1);
  const trainer = await Trainer.create({ graphs: { d: dStep, g: gStep }, params, provider: 'cpu', threads: THREADS, log: ctx.log });
  const count = (prefix: string) => params.count((k) => k.startsWith(prefix) && !k.includes('::') && !k.includes('running_'));
  const gCount = count('gen.'), dCount = count('dis.');
  ctx.log(`generator ${gCount} and discriminator ${dCount} parameters; compiled in ${compileMs.toFixed(0)} ms (${(dStep.model.length / 1e6).toFixed(1)} + ${(gStep.model.length / 1e6).toFixed(1)} MB ONNX)`);

  const torch = await TorchStepper.start(L, B);
  if (typeof torch === 'string') ctx.log(torch);
  else ctx.log(`PyTorch ${torch.info.torch}, ${torch.info.threads} threads, BLAS ${torch.info.blas}; G ${torch.info.g_params}, D ${torch.info.d_params} parameters`);

  const rng = new Rng(2);
  const b = randomBatch(rng, B, L);
  // Warm-up: first runs allocate ONNX Runtime's arenas (and PyTorch's).
  await trainer.step('d', b);
  await trainer.step('g', b);
  if (typeof torch !== 'string') await torch.stepper.request('step');
  for (const k of ['d', 'g']) trainer.timing[k] = { runMs: 0, totalMs: 0, calls: 0 };

  // Alternate engine and PyTorch steps so that other load on the machine hits both alike.
  const eng: { d: number; g: number; wall: number }[] = [];
  const pt: { d: number; g: number }[] = [];
  const loads: number[] = [];
  let wallStart = performance.now();
  for (let s = 0; s < steps; s++) {
    loads.push(os.loadavg()[0]);
    const batchS = s === 0 ? b : randomBatch(rng, B, L); // a fresh batch per step, as training assembles one
    const a = performance.now();
    await trainer.step('d', batchS);
    const m = performance.now();
    await trainer.step('g', batchS);
    const e = performance.now();
    eng.push({ d: m - a, g: e - m, wall: e - wallStart });
    if (typeof torch !== 'string') {
      const r = await torch.stepper.request('step');
      pt.push({ d: r.d_ms, g: r.g_ms });
    }
    wallStart = performance.now();
  }
  const engStep = eng.map((x) => x.d + x.g);
  const engBest = eng[engStep.indexOf(best(engStep))];
  const runMs = (trainer.timing.d.runMs + trainer.timing.g.runMs) / steps;
  const totalMs = (trainer.timing.d.totalMs + trainer.timing.g.totalMs) / steps;
  const ptStep = pt.map((x) => x.d + x.g);
  const ptBest = pt.length ? pt[ptStep.indexOf(best(ptStep))] : undefined;
  // Paired ratios: step s of the engine against step s of PyTorch (the same moment's load).
  const ratios = pt.map((p, k) => engStep[k] / (p.d + p.g));
  const loadNote = `load average ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${os.cpus().length} cores while measuring`;

  // Copies of the state: the same steps with preallocated outputs, which onnxruntime-node 1.30 fills by
  // copying ONNX Runtime's own output (a copy of every parameter and Adam moment per step).
  const pre = await Trainer.create({ graphs: { d: dStep, g: gStep }, params: new ParameterStore(1), provider: 'cpu', threads: THREADS, stateMode: 'host-preallocated' });
  await pre.step('d', b);
  await pre.step('g', b);
  const preMs: number[] = [];
  const hostMs: number[] = [];
  for (let s = 0; s < (ctx.quick ? 1 : 2); s++) {
    for (const [t, out] of [[trainer, hostMs], [pre, preMs]] as const) {
      const a = performance.now();
      await t.step('d', b);
      await t.step('g', b);
      out.push(performance.now() - a);
    }
  }
  await pre.dispose();

  // Load-robust: one thread on each side and the CPU time a step takes (no waiting between threads,
  // and time spent descheduled by other processes does not count).
  const cpuSteps = ctx.quick ? 1 : 4;
  const single = await Trainer.create({ graphs: { d: dStep, g: gStep }, params: new ParameterStore(1), provider: 'cpu', threads: 1 });
  await single.step('d', b);
  await single.step('g', b);
  const engCpu: number[] = [];
  const ptCpu: number[] = [];
  if (typeof torch !== 'string') {
    await torch.stepper.request('threads 1');
    await torch.stepper.request('step');
  }
  for (let s = 0; s < cpuSteps; s++) {
    const c0 = process.cpuUsage();
    await single.step('d', b);
    await single.step('g', b);
    const c = process.cpuUsage(c0);
    engCpu.push((c.user + c.system) / 1000);
    if (typeof torch !== 'string') ptCpu.push((await torch.stepper.request('step')).cpu_ms);
  }
  await single.dispose();
  ctx.log(`one thread each, CPU time per step: engine ${engCpu.map((x) => x.toFixed(0)).join(', ')} ms; PyTorch ${ptCpu.map((x) => x.toFixed(0)).join(', ')} ms`);

  // Where the time goes: one profiled D and G step in separate sessions (profiling slows them a little).
  const profDir = path.join(ctx.tmpDir, 'profile');
  await fs.mkdir(profDir, { recursive: true });
  const prof = await Trainer.create({ graphs: { d: dStep, g: gStep }, params: new ParameterStore(1), provider: 'cpu', threads: THREADS, profileDir: profDir });
  await prof.step('d', b);
  await prof.step('g', b);
  prof.endProfiling();
  await prof.dispose();
  const profiles = await Promise.all(readdirSync(profDir).filter((f) => f.endsWith('.json')).map((f) => summarizeProfile(path.join(profDir, f), { depth: 3, runs: 1 })));
  const merged = new Map<string, { ms: number; calls: number }>();
  const mergedScope = new Map<string, { ms: number; calls: number }>();
  let profTotal = 0, profBack = 0;
  for (const p of profiles) {
    profTotal += p.totalMs;
    profBack += p.backwardShare * p.totalMs;
    for (const [m, list] of [[merged, p.byOp], [mergedScope, p.byScope]] as const) {
      for (const e of list) {
        const x = m.get(e.key) ?? { ms: 0, calls: 0 };
        x.ms += e.ms;
        x.calls += e.calls;
        m.set(e.key, x);
      }
    }
  }
  const rank = (m: Map<string, { ms: number; calls: number }>) => [...m].map(([key, v]) => ({ key, ms: v.ms, calls: v.calls, share: v.ms / profTotal })).sort((x, y) => y.ms - x.ms);
  const opNote = formatProfile(rank(merged), 8);
  const scopeNote = formatProfile(rank(mergedScope), 6);
  ctx.log(`profile (one D + one G step, ${profTotal.toFixed(0)} ms of kernels, ${(100 * profBack / profTotal).toFixed(0)}% in gradient nodes): ${opNote}`);
  ctx.log(`by module: ${scopeNote}`);

  // Inference: one window of the generator, BatchNorm in inference mode, weights baked in.
  const runner = await InferenceRunner.create(await exportInference(inferenceGraph(cfg.arch), params), { provider: 'cpu', threads: THREADS });
  const one = randomBatch(new Rng(3), 1, L);
  const infFeeds = { audio: { data: one.audio, shape: [1, L, STEPS, DIM] }, state: { data: one.state, shape: [1, PARAMS] } };
  for (let k = 0; k < 3; k++) await runner.run(infFeeds);
  const inf: number[] = [];
  for (let k = 0; k < (ctx.quick ? 5 : 20); k++) {
    const ti = performance.now();
    await runner.run(infFeeds);
    inf.push(performance.now() - ti);
  }
  await runner.dispose();
  const ptInfer = typeof torch === 'string' ? undefined : (await torch.stepper.request('infer')).infer_ms;
  if (typeof torch !== 'string') torch.stepper.stop();
  await trainer.dispose();
  const stateMiB = (params.count((k) => k.startsWith('gen.') || k.startsWith('dis.')) * 4) / 2 ** 20;
  const rssMiB = process.resourceUsage().maxRSS / 1024;

  const engSide = `engine: ONNX Runtime ${ort.env.versions.node} CPU EP (its own MLAS GEMM/conv kernels), ${THREADS} intra-op threads`;
  const ptSide = typeof torch === 'string' ? torch : `PyTorch ${torch.info.torch} (Debian python3-torch, oneDNN ${torch.info.mkldnn ? 'on' : 'off'}), ${torch.info.threads} threads, BLAS ${torch.info.blas.split(',').find((x) => x.includes('libopenblas') || x.includes('libblas')) ?? torch.info.blas}`;
  const figures: BenchFigure[] = [
    {
      name: 'engine training step, FACIAL-GAN as trained (D step then G step, batch 16, window 128)',
      value: engBest.d + engBest.g,
      unit: 'ms',
      goal: '<= 1.0x PyTorch',
      note: `best of ${steps}: D ${engBest.d.toFixed(0)} + G ${engBest.g.toFixed(0)} ms, mean ${mean(engStep).toFixed(0)} ms; time inside session.run ${runMs.toFixed(0)} of ${totalMs.toFixed(0)} ms per step (mean); G ${gCount}, D ${dCount} parameters; ${engSide}; ${loadNote}`,
    },
    {
      name: 'engine wall time per training step (fresh random batch each step, consecutive steps)',
      value: mean(eng.map((x) => x.wall)),
      unit: 'ms',
      note: 'mean over the timed steps: building the batch in JS + both steps (validation, checkpoints and exports of real training are in the gan topic)',
    },
  ];
  if (ptBest) {
    figures.push(
      {
        name: 'PyTorch training step, same model, init, paddings, losses, Adam, batch and window',
        value: ptBest.d + ptBest.g,
        unit: 'ms',
        note: `best of ${steps}: D ${ptBest.d.toFixed(0)} + G ${ptBest.g.toFixed(0)} ms, mean ${mean(ptStep).toFixed(0)} ms; ${ptSide}; G ${(torch as { info: TorchInfo }).info.g_params}, D ${(torch as { info: TorchInfo }).info.d_params} parameters`,
      },
      {
        name: 'engine / PyTorch step time',
        value: (engBest.d + engBest.g) / (ptBest.d + ptBest.g),
        unit: 'x',
        goal: '<= 1.0x',
        note: `best vs best; paired step by step: median ${[...ratios].sort((x, y) => x - y)[Math.floor(ratios.length / 2)].toFixed(2)}x (range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}); D ${(engBest.d / ptBest.d).toFixed(2)}x, G ${(engBest.g / ptBest.g).toFixed(2)}x`,
      },
    );
    const cpuRatios = engCpu.map((e, k) => e / ptCpu[k]).sort((x, y) => x - y);
    figures.push({
      name: 'engine / PyTorch CPU time per step, one thread each',
      value: cpuRatios[Math.floor(cpuRatios.length / 2)],
      unit: 'x',
      goal: '<= 1.0x',
      note: `median of ${cpuSteps} paired steps (range ${cpuRatios[0].toFixed(2)}-${cpuRatios[cpuRatios.length - 1].toFixed(2)}); best: engine ${best(engCpu).toFixed(0)} ms, PyTorch ${best(ptCpu).toFixed(0)} ms of process CPU time per D+G step. No thread waits for a descheduled one here, but on a shared machine caches and cores are still shared: runs at load 15-20 gave 0.96x and 1.30x`,
    });
  } else figures.push({ name: 'PyTorch training step, same model and batch', value: NaN, unit: 'ms', note: ptSide });
  figures.push(
    {
      name: 'where the engine step goes: ONNX Runtime per-op profile, by op type',
      value: profTotal,
      unit: 'ms of kernels',
      note: `one D + one G step, ${(100 * profBack / profTotal).toFixed(0)}% in gradient (backward) nodes: ${opNote}`,
    },
    { name: 'where the engine step goes: by module', value: profTotal, unit: 'ms of kernels', note: scopeNote },
    {
      name: 'inference, one 128-frame window (batch 1, whole generator)',
      value: best(inf),
      unit: 'ms',
      note: `best of ${inf.length}; ${ptInfer !== undefined ? `PyTorch ${ptInfer.toFixed(1)} ms (eval mode, no_grad)` : 'PyTorch not run'}; generation itself runs the encoder/decoder pair (gan topic)`,
    },
    {
      name: "state kept in ONNX Runtime's output buffers vs preallocated outputs (a copy of the state per step)",
      value: best(preMs) - best(hostMs),
      unit: 'ms per step saved',
      note: `D+G step, best of ${hostMs.length} paired: ${best(hostMs).toFixed(0)} ms (stateMode 'host', the default) vs ${best(preMs).toFixed(0)} ms ('host-preallocated'); ${stateMiB.toFixed(0)} MiB of parameters + Adam state`,
    },
    { name: 'parameter + Adam state (G and D)', value: stateMiB, unit: 'MiB' },
    { name: 'peak RSS (whole bench process)', value: rssMiB, unit: 'MiB' },
    { name: 'compile both step graphs (trace + autodiff + ONNX encode)', value: compileMs, unit: 'ms' },
  );
  return figures;
}
