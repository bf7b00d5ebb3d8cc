import { useEffect, useMemo, useState } from 'react';
import { useApp } from '../app-context';
import { useStore } from '../state/use-store';
import { createStore } from '../state/store';
import { Modal } from './Modal';
import { deviceStore } from '../state/device';
import { initialTrainDialog, trainChoices, trainDialogReducer, trainRequest } from '../state/train-dialog';
import { footageAdvice, type TrainingJob } from '../../engine/common/training-presets';
import type { TrainingEstimatePayload } from '../../shared/contract';

const TITLES: Record<TrainingJob, string> = { renderer: 'Train the renderer', gan: 'Train the motion model', residual: 'Train the mouth correction' };
const INTROS: Record<TrainingJob, string> = {
  renderer: 'The renderer learns to paint this person’s face from the 3D face: the longer it trains, the sharper the video.',
  gan: 'The motion model learns how this person moves their head, blinks and speaks; until then the built-in motion is used.',
  residual:
    'The mouth correction learns to fix what a borrowed mouth of your footage gets wrong. It is first trained on the first part of the clip and measured on the rest; only if it beats your footage’s own mouths there is it trained on the whole clip and used by exports. The time includes both trainings and the check.',
};

/** Choose how long to train (draft / standard / best), with the time each takes on this machine and what it gives. */
export function TrainDialog({ job, personaId, onClose }: { job: TrainingJob; personaId: string; onClose: () => void }) {
  const { api, session, report } = useApp();
  const snap = useStore(session, (s) => s.project)!;
  const store = useMemo(() => createStore(trainDialogReducer, initialTrainDialog(job)), [job]);
  const s = useStore(store, (x) => x);
  const device = useStore(deviceStore, (x) => x.device);
  const [estimate, setEstimate] = useState<TrainingEstimatePayload>();
  useEffect(() => {
    let cancelled = false;
    api.call('train.estimate', { projectDir: snap.dir, personaId }).then(
      (e) => !cancelled && setEstimate(e),
      (err) => !cancelled && report('Could not estimate the training time', err),
    );
    return () => {
      cancelled = true;
    };
  }, [api, snap.dir, personaId, report]);
  const persona = snap.project.personas.find((p) => p.id === personaId);
  const footageS = estimate?.footageS ?? snap.project.media.find((m) => m.id === persona?.sourceMediaId)?.durationS;
  const choices = trainChoices(job, estimate, footageS);
  const advice = footageS !== undefined ? footageAdvice(footageS) : undefined;
  const done = estimate?.[job]?.doneSteps ?? 0;
  const title = TITLES[job];

  async function start() {
    try {
      session.dispatch({ type: 'jobs/update', job: await api.call('job.start', trainRequest(snap.dir, personaId, s, device)) });
      onClose();
    } catch (err) {
      report('Could not start the training', err);
    }
  }

  return (
    <Modal
      title={title}
      onClose={onClose}
      testId="train-dialog"
      footer={
        <>
          <button className="btn" onClick={onClose}>
            Cancel
          </button>
          <button className="btn btn--primary" onClick={() => void start()} disabled={choices.find((c) => c.preset === s.preset)?.done} data-testid="train-start">
            Start training
          </button>
        </>
      }
    >
      <p className="muted small">
        {INTROS[job]}
        {done > 0 ? ` It has trained ${done} steps already and continues from there.` : ''} Jobs run in the background; you can keep editing.
      </p>
      {advice?.message && (
        <p className="warn-note small" data-testid="train-footage-advice">
          {advice.message}
        </p>
      )}
      <div className="preset-list" role="radiogroup" aria-label="Training length">
        {choices.map((c) => (
          <label key={c.preset} className={`preset preset--tall${s.preset === c.preset ? ' is-selected' : ''}`} data-testid={`train-preset-${c.preset}`}>
            <input type="radio" name="train-preset" value={c.preset} checked={s.preset === c.preset} onChange={() => store.dispatch({ type: 'preset', preset: c.preset })} />
            <span className="preset__text">
              <span className="preset__label">
                {c.label} <span className="muted small">· {c.time}</span>
              </span>
              <span className="muted small">{c.blurb}</span>
              {c.quality && <span className="muted small">{c.quality}</span>}
            </span>
          </label>
        ))}
      </div>
    </Modal>
  );
}
