import type { Progress } from '../engine/util/progress';
import { EtaEstimator } from '../engine/util/progress';

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Renders one progress line: `label  stage  [#####.....]  42%  ETA 0:13  message`. */
export function renderProgressLine(label: string, p: Progress, etaS: number | undefined, width = 30): string {
  const f = Math.max(0, Math.min(1, p.fraction));
  const filled = Math.round(f * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const pct = `${Math.floor(f * 100)}%`.padStart(4);
  const eta = etaS === undefined ? '' : `  ETA ${formatDuration(etaS)}`;
  return `${label}  ${p.stage.padEnd(10)} [${bar}] ${pct}${eta}${p.message ? `  ${p.message}` : ''}`;
}

/**
 * A terminal progress bar: redraws in place on a TTY, prints one line per stage
 * change (and every 10%) otherwise, so logs stay readable in CI.
 */
export function createProgressBar(label: string, stream: NodeJS.WriteStream, enabled: boolean) {
  const eta = new EtaEstimator();
  const tty = Boolean(stream.isTTY);
  let lastStage = '';
  let lastDecile = -1;
  let lastDraw = 0;
  let drawn = false;
  return {
    onProgress(p: Progress) {
      if (!enabled) return;
      const etaS = eta.update(p.fraction);
      const line = renderProgressLine(label, p, etaS);
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 80 && p.fraction < 1) return;
        lastDraw = now;
        const cols = stream.columns ?? 120;
        stream.write(`\r${line.slice(0, cols - 1).padEnd(Math.min(cols - 1, line.length + 10))}`);
        drawn = true;
      } else {
        const decile = Math.floor(p.fraction * 10);
        if (p.stage !== lastStage || decile !== lastDecile) {
          stream.write(line + '\n');
          lastStage = p.stage;
          lastDecile = decile;
        }
      }
    },
    done() {
      if (enabled && tty && drawn) stream.write('\n');
    },
  };
}
