import { describe, it, expect } from 'vitest';
import { exportPlan, exportSettingsReducer, initialExportSettings, SYNTHESIS_CHOICES, type ExportSource } from '../../../src/renderer/state/export-dialog';
import type { ProjectSnapshot } from '../../../src/shared/contract';
import { JobRequest } from '../../../src/shared/contract';

const media = (id: string, role: 'reference' | 'voiceover', name: string) => ({ id, role, name, path: `media/${name}`, originalPath: `/home/me/${name}`, durationS: 8, hasAudio: true, hasVideo: role === 'reference', importedAt: '' });
const snap: ProjectSnapshot = {
  dir: '/p/Launch',
  project: {
    schemaVersion: 1, id: 'x', name: 'Launch video', createdAt: '', updatedAt: '', fps: 25, renders: [], ui: { panes: {} },
    media: [media('r', 'reference', 'aoc.mp4'), media('v', 'voiceover', 'talk.wav')],
    personas: [{ id: 'a', name: 'A', path: 'personas/r', sourceMediaId: 'r', createdAt: '' }],
    curves: [{ id: 'c1', personaId: 'a', mediaId: 'v', path: 'curves/c1.json', source: 'prior', createdAt: '' }],
    activeCurvesId: 'c1',
    activeVoiceoverId: 'v',
  },
};
const footage: ExportSource = { width: 512, height: 512, camera: { fx: 1536, fy: 1536, cx: 256, cy: 256, width: 512, height: 512 }, meanPose: [0, 0, 0, 0, -20, 600], photoreal: true };

describe('the export dialog\'s choice of how the frames are made', () => {
  it('is offered in plain words, automatic by default', () => {
    expect(SYNTHESIS_CHOICES.map((c) => c.label)).toEqual(['From your footage (sharp)', 'Trained renderer', 'Automatic: whichever measured better']);
    expect(initialExportSettings('/f', 'a.mp4').synthesis).toBe('auto');
  });

  it('goes into the export request only when there is a choice (footage at hand and a trained renderer)', () => {
    let s = initialExportSettings('/f', 'a.mp4');
    // Only the footage (or only a renderer): nothing to choose, the export decides as before.
    expect(exportPlan(snap, s, footage).request).not.toHaveProperty('synthesis');
    const both = { ...footage, synthesisChoice: true };
    expect(exportPlan(snap, s, both).request).toMatchObject({ synthesis: 'auto' });
    s = exportSettingsReducer(s, { type: 'synthesis', synthesis: 'renderer' });
    const req = exportPlan(snap, s, both).request;
    expect(req).toMatchObject({ kind: 'render.export', synthesis: 'renderer' });
    // The host accepts it (the contract's job request).
    expect(JobRequest.safeParse(req).success).toBe(true);
    expect(exportSettingsReducer(s, { type: 'synthesis', synthesis: 'renderer' })).toBe(s);
    expect(exportPlan(snap, exportSettingsReducer(s, { type: 'synthesis', synthesis: 'retrieval' }), both).request).toMatchObject({ synthesis: 'retrieval' });
    expect(exportPlan(snap, s, footage).request).not.toHaveProperty('synthesis');
  });
});
