/**
 * Every benchmark is a file `bench/<topic>.bench.ts` exporting `topic` and `run`.
 * `npm run bench` (facial-studio bench) runs them all, or those named with
 * `--only topic,topic`, and writes bench/results/latest.json plus BENCHMARKS.md.
 * Figures are reported, never asserted: tests do not time things.
 */
export interface BenchFigure {
  /** What was measured, e.g. "FACIAL-GAN training step (batch 16, 128 frames)". */
  name: string;
  value: number;
  /** e.g. "ms", "steps/s", "x real time", "MiB". */
  unit: string;
  /** The goal from the issue, if any, e.g. ">= 200x real time". */
  goal?: string;
  /** Free text: conditions, comparison figures (e.g. the PyTorch time). */
  note?: string;
}

export interface BenchContext {
  /** Scratch directory, removed after the run. */
  tmpDir: string;
  /** ../shared/data when present (real test media), otherwise undefined. */
  sharedData?: string;
  /** Quick mode: fewer repetitions (used by the bench smoke test). */
  quick: boolean;
  log: (line: string) => void;
}

export interface BenchModule {
  topic: string;
  /** One line on what the topic covers, printed as its heading. */
  title: string;
  run(ctx: BenchContext): Promise<BenchFigure[]>;
}
