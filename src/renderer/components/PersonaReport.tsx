import { useEffect, useState } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import type { PersonaInfoPayload, GanEvalColumn } from '../../shared/persona-info';
import { personaSummary } from '../state/persona-summary';

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const mm = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(1)} mm`);

/**
 * The persona's quality figures (persona.info): how well it was tracked and fitted,
 * its blinks and pose ranges, the build warnings, the training state of FACIAL-GAN and
 * of the rendering network, and their held-out evaluations. Read again whenever the
 * project changes (a finished job emits project.changed), so new results show up.
 */
export function PersonaReport({ personaId }: { personaId: string }) {
  const { api, session } = useApp();
  const snap = useStore(session, (s) => s.project)!;
  const jobs = useStore(session, (s) => s.jobs);
  const [info, setInfo] = useState<PersonaInfoPayload>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    let cancelled = false;
    api.call('persona.info', { projectDir: snap.dir, personaId }).then(
      (r) => !cancelled && (setInfo(r), setError(undefined)),
      (err: Error) => !cancelled && setError(err.message),
    );
    return () => {
      cancelled = true;
    };
  }, [api, snap, personaId]);

  const running = Object.values(jobs).filter((j) => j.projectDir === snap.dir && (j.kind === 'gan.train' || j.kind === 'renderer.train' || j.kind === 'residual.train') && (j.state === 'running' || j.state === 'queued'));
  if (error) return <p className="inline-error small">Persona details unavailable: {error}</p>;
  if (!info || info.personaId !== personaId) return <p className="muted small">Loading the persona's report…</p>;
  const r = info.report;
  const ganEval = info.gan.eval;
  const rendEval = info.renderer.eval;
  const summary = personaSummary(info);
  const ganRunning = running.find((j) => j.kind === 'gan.train');
  const rendererRunning = running.find((j) => j.kind === 'renderer.train');
  const mouthRunning = running.find((j) => j.kind === 'residual.train');
  const mouthFigures = info.residual?.heldOut;
  return (
    <div className="persona-report" data-testid="persona-report">
      {r ? (
        <ul className="persona-report__lines small" data-testid="persona-report-build">
          <li>{summary.tracking}</li>
          <li>{summary.fit}</li>
          <li>{summary.blinks}</li>
        </ul>
      ) : (
        <p className="muted small">No build report in the persona folder.</p>
      )}
      {r && r.warnings.length > 0 && (
        <ul className="persona-report__warnings small" data-testid="persona-warnings">
          {r.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
      {r && (
        <details className="persona-report__details small" data-testid="persona-report-details">
          <summary>Figures</summary>
          <dl className="kv">
            <dt>Frames tracked</dt>
            <dd>
              {f1(r.tracking.trackedPct)} % ({r.tracking.framesTracked} / {r.tracking.framesTotal})
            </dd>
            <dt title="How far the fitted 3D face's landmarks lie from the tracked landmarks it was fitted to: a fit residual, not an accuracy against ground truth">Fit residual (landmarks, median · 95th percentile)</dt>
            <dd>
              {f2(r.fit.reprojectionPx.median)} px · {f2(r.fit.reprojectionPx.p95)} px
            </dd>
            <dt>Head turn · nod · tilt (range)</dt>
            <dd>
              {f1(r.pose.yawDeg.min)}…{f1(r.pose.yawDeg.max)}° · {f1(r.pose.pitchDeg.min)}…{f1(r.pose.pitchDeg.max)}° · {f1(r.pose.rollDeg.min)}…{f1(r.pose.rollDeg.max)}°
            </dd>
            <dt>Side to side · up and down · distance (range)</dt>
            <dd>
              {f1(r.pose.xMm.max - r.pose.xMm.min)} · {f1(r.pose.yMm.max - r.pose.yMm.min)} · {f1(r.pose.zMm.max - r.pose.zMm.min)} mm
            </dd>
          </dl>
        </details>
      )}

      <h3 className="persona-report__head">Motion model</h3>
      <p className="muted small" data-testid="gan-status">
        {ganRunning ? `Training: ${Math.round((ganRunning.fraction ?? 0) * 100)} %` : summary.motion}
      </p>
      {ganEval && (
        <details className="small" data-testid="gan-eval-details">
          <summary>Figures: learned vs built-in motion on held-out speech</summary>
          <table className="eval-table small" data-testid="gan-eval">
            <thead>
              <tr>
                <th />
                <th>Learned</th>
                <th title="What the studio uses: the built-in motion refined by what was learned, where that did better on held-out speech">Used</th>
                <th>Built-in</th>
                <th>Real</th>
              </tr>
            </thead>
            <tbody>
              {GAN_ROWS.map(([label, get, real]) => (
                <tr key={label}>
                  <th>{label}</th>
                  <td>{ganEval.columns.model ? get(ganEval.columns.model) : '—'}</td>
                  <td>{ganEval.columns.generated ? get(ganEval.columns.generated) : '—'}</td>
                  <td>{get(ganEval.columns.prior)}</td>
                  <td>{real ? real(ganEval) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}

      <h3 className="persona-report__head">Renderer</h3>
      <p className="muted small" data-testid="renderer-status">
        {rendererRunning ? `Training: ${Math.round((rendererRunning.fraction ?? 0) * 100)} %` : summary.renderer}
      </p>
      {rendEval && (
        <details className="small" data-testid="renderer-eval-details">
          <summary>Figures: held-out frames</summary>
          <dl className="kv small" data-testid="renderer-eval">
            <dt>PSNR (higher is closer to the footage)</dt>
            <dd>
              {f2(rendEval.psnrDb)} dB (3D render alone {f2(rendEval.baseline.psnrDb)} dB)
            </dd>
            <dt>SSIM (1 is identical)</dt>
            <dd>
              {rendEval.ssim.toFixed(3)} (3D render alone {rendEval.baseline.ssim.toFixed(3)})
            </dd>
            <dt>Flicker</dt>
            <dd>
              {f2(rendEval.flicker.generated)} vs real {f2(rendEval.flicker.real)} (× {f2(rendEval.flicker.ratio)})
            </dd>
          </dl>
        </details>
      )}
      <h3 className="persona-report__head">Mouth correction</h3>
      <p className="muted small" data-testid="residual-status" data-applied={info.residual?.applied ? 'true' : 'false'}>
        {mouthRunning ? `Training and checking: ${Math.round((mouthRunning.fraction ?? 0) * 100)} %` : summary.mouth}
      </p>
      {mouthFigures && (
        <details className="small" data-testid="residual-eval-details">
          <summary>Figures: the mouth on held-out frames</summary>
          <dl className="kv small" data-testid="residual-eval">
            <dt>PSNR (higher is closer to the footage)</dt>
            <dd>
              {f2(mouthFigures.residual.psnrDb)} dB (footage’s own mouths {f2(mouthFigures.retrieval.psnrDb)} dB)
            </dd>
            <dt>SSIM (1 is identical)</dt>
            <dd>
              {mouthFigures.residual.ssim.toFixed(3)} ({mouthFigures.retrieval.ssim.toFixed(3)})
            </dd>
            <dt>Sharpness (1 is as sharp as the real frame)</dt>
            <dd>
              {f2(mouthFigures.residual.sharpness)} ({f2(mouthFigures.retrieval.sharpness)})
            </dd>
          </dl>
        </details>
      )}
      {info.problems.map((p) => (
        <p key={p.file} className="inline-error small">
          {p.file} {p.message}.
        </p>
      ))}
    </div>
  );
}

/** Rows of the motion model's table: held-out figures of the learned model and of the built-in prior, and the real clip's where one exists. */
const GAN_ROWS: [string, (c: GanEvalColumn) => string, ((e: NonNullable<PersonaInfoPayload['gan']['eval']>) => string)?][] = [
  ['Mouth correlation', (c) => f2(c.mouthCorr)],
  ['Mouth opening range', (c) => mm(c.mouthRangeMm), (e) => mm(e.truthMouthRangeMm)],
  ['Lip distance', (c) => `${f2(c.lipDistancePx)} px`, (e) => `${f2(e.fitLipDistancePx)} px (fit)`],
  ['Expression MSE', (c) => f2(c.exprMse)],
  ['Blinks / min', (c) => f1(c.blinkPerMinute), (e) => f1(e.truth.blinkPerMinute)],
  ['Head rotation speed', (c) => `${f1(c.rotationSpeedDegS)}°/s`, (e) => `${f1(e.truth.rotationSpeedDegS)}°/s`],
  ['Head rotation range', (c) => `${f1(c.rotationRangeDeg)}°`, (e) => `${f1(e.truth.rotationRangeDeg)}°`],
];
