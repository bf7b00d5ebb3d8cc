import { promises as fs, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CliCommand } from '../command';
import { flagString } from '../command';
import { appRoot } from '../../host/app-info';
import { writeFileAtomic, writeJsonAtomic } from '../../engine/util/atomic-file';
import type { BenchFigure, BenchModule } from '../../../bench/types';

interface TopicResult {
  topic: string;
  title: string;
  ranAt: string;
  seconds: number;
  figures: BenchFigure[];
  error?: string;
}

export interface BenchResults {
  machine: Record<string, string | number>;
  topics: Record<string, TopicResult>;
}

export function machineInfo(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 0.1 ? v.toFixed(2) : v.toPrecision(2);
}

/**
 * The line after which BENCHMARKS.md holds figures measured by hand (commands that are
 * not benchmarks, e.g. a training run); a bench run keeps everything from it on.
 */
export const BY_HAND_MARKER = '<!-- Measured by hand: npm run bench keeps everything below this line. -->';

/** The by-hand part of an existing BENCHMARKS.md (from BY_HAND_MARKER on), or ''. */
export function byHandSection(existing: string): string {
  const at = existing.indexOf(BY_HAND_MARKER);
  return at < 0 ? '' : existing.slice(at).trimEnd();
}

export function renderBenchmarksMd(results: BenchResults, byHand = ''): string {
  const m = results.machine;
  const lines = [
    '# Benchmarks',
    '',
    'Figures measured by `npm run bench` (all topics) or `npm run bench -- --only TOPIC[,TOPIC]`;',
    'this file and `bench/results/latest.json` are rewritten by each run (topics not run keep their last figures and date;',
    'sections measured by hand, after the marker near the end, are kept).',
    'Tests never time anything; speed and memory goals are reported here.',
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}. No GPU unless a figure says so.`,
    '',
  ];
  for (const t of Object.values(results.topics).sort((a, b) => a.topic.localeCompare(b.topic))) {
    lines.push(`## ${t.title} (\`${t.topic}\`)`, '', `Measured ${t.ranAt.slice(0, 16).replace('T', ' ')} UTC in ${fmt(t.seconds)} s. Reproduce: \`npm run bench -- --only ${t.topic}\`.`, '');
    if (t.error) lines.push(`**The run failed:** ${t.error}`, '');
    if (t.figures.length) {
      lines.push('| measure | value | goal | note |', '| --- | --- | --- | --- |');
      for (const f of t.figures) lines.push(`| ${f.name} | ${fmt(f.value)} ${f.unit} | ${f.goal ?? ''} | ${(f.note ?? '').replace(/\|/g, '\\|')} |`);
      lines.push('');
    }
  }
  if (byHand) lines.push(byHand, '');
  return lines.join('\n');
}

export async function discoverBenchmarks(dir = path.join(appRoot(), 'bench')): Promise<BenchModule[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
  const mods: BenchModule[] = [];
  for (const f of files) {
    const m = (await import(pathToFileURL(path.join(dir, f)).href)) as Partial<BenchModule>;
    if (typeof m.run === 'function' && typeof m.topic === 'string') mods.push(m as BenchModule);
  }
  return mods;
}

export const command: CliCommand = {
  path: ['bench'],
  summary: 'Run the benchmarks and write BENCHMARKS.md and bench/results/latest.json',
  usage: 'facial-studio bench [--only topic,topic] [--quick] [--list]',
  async run(args, io) {
    const mods = await discoverBenchmarks();
    if (args.flags.list) {
      for (const m of mods) io.out(`${m.topic.padEnd(10)} ${m.title}`);
      return 0;
    }
    const only = flagString(args, 'only')?.split(',').map((s) => s.trim());
    const unknown = only?.filter((t) => !mods.some((m) => m.topic === t)) ?? [];
    if (unknown.length) {
      io.err(`Unknown benchmark topic(s): ${unknown.join(', ')}. Known: ${mods.map((m) => m.topic).join(', ')}`);
      return 2;
    }
    const selected = only ? mods.filter((m) => only.includes(m.topic)) : mods;
    const root = appRoot();
    const resultsFile = path.join(root, 'bench/results/latest.json');
    let results: BenchResults = { machine: machineInfo(), topics: {} };
    if (existsSync(resultsFile)) {
      try {
        results = { ...(JSON.parse(await fs.readFile(resultsFile, 'utf8')) as BenchResults), machine: machineInfo() };
      } catch { /* start fresh */ }
    }
    const shared = path.resolve(root, '../shared/data');
    for (const mod of selected) {
      const tmpDir = mkdtempSync(path.join(os.tmpdir(), `bench-${mod.topic}-`));
      io.err(`== ${mod.topic}: ${mod.title}`);
      const t0 = performance.now();
      const entry: TopicResult = { topic: mod.topic, title: mod.title, ranAt: new Date().toISOString(), seconds: 0, figures: [] };
      try {
        entry.figures = await mod.run({ tmpDir, sharedData: existsSync(shared) ? shared : undefined, quick: Boolean(args.flags.quick), log: (l) => io.err(`   ${l}`) });
        for (const f of entry.figures) io.err(`   ${f.name}: ${fmt(f.value)} ${f.unit}${f.goal ? ` (goal ${f.goal})` : ''}`);
      } catch (err) {
        entry.error = (err as Error).message;
        io.err(`   failed: ${entry.error}`);
      } finally {
        await fs.rm(tmpDir, { recursive: true, force: true });
      }
      entry.seconds = (performance.now() - t0) / 1000;
      results.topics[mod.topic] = entry;
      // Write after every topic, so an interrupted run keeps what it measured.
      await fs.mkdir(path.dirname(resultsFile), { recursive: true });
      await writeJsonAtomic(resultsFile, results);
      const mdFile = path.join(root, 'BENCHMARKS.md');
      const existing = await fs.readFile(mdFile, 'utf8').catch(() => '');
      await writeFileAtomic(mdFile, renderBenchmarksMd(results, byHandSection(existing)));
    }
    if (io.json) io.out(JSON.stringify(results, null, 2));
    else io.out(`Wrote BENCHMARKS.md and ${path.relative(root, resultsFile)}`);
    return Object.values(results.topics).some((t) => selected.some((m) => m.topic === t.topic) && t.error) ? 1 : 0;
  },
};
