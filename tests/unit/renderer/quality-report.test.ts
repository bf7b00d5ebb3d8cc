import { describe, it, expect } from 'vitest';
import { initialQualityPanel, qualityPanelReducer, qualityReportOf, qualityView } from '../../../src/renderer/state/quality-report';
import { QUALITY_MEASURES } from '../../../src/shared/render-quality';
import { sampleQualityReport } from '../../helpers/quality-report-sample';

describe('render quality panel state', () => {
  it('takes the report from an export job\'s result only when it is valid', () => {
    const r = sampleQualityReport();
    expect(qualityReportOf({ path: 'renders/r-1.mp4', quality: r })).toEqual(r);
    expect(qualityReportOf({ path: 'renders/r-1.mp4' })).toBeUndefined();
    expect(qualityReportOf(undefined)).toBeUndefined();
    expect(qualityReportOf('junk')).toBeUndefined();
    expect(qualityReportOf({ quality: { ...r, faceSharpness: { status: 'excellent' } } })).toBeUndefined();
    expect(qualityReportOf({ quality: { ...r, formatVersion: 99 } })).toBeUndefined();
  });

  it('shows one row per measure, in reading order, with the overall verdict', () => {
    const v = qualityView(sampleQualityReport());
    expect(v.rows.map((x) => x.id)).toEqual(QUALITY_MEASURES.map(([id]) => id));
    expect(v.rows.find((x) => x.id === 'faceSharpness')).toMatchObject({ title: 'Face sharpness', status: 'poor', label: 'blurry' });
    expect(v).toMatchObject({ status: 'poor', label: 'not good enough' });
    expect(v.subtitle).toBe('512x512, 609 frames at 25 fps, measured in 48 s');
    expect(qualityView({ ...sampleQualityReport(), curves: { given: false, frames: 0 } }).subtitle).toMatch(/no curves/);
  });

  it('opens the rows with a problem first; a click toggles a row', () => {
    const s0 = initialQualityPanel(sampleQualityReport());
    expect(s0.open).toEqual(['faceSharpness', 'blinks']);
    const s1 = qualityPanelReducer(s0, { type: 'toggle', id: 'blinks' });
    expect(s1.open).toEqual(['faceSharpness']);
    const s2 = qualityPanelReducer(s1, { type: 'toggle', id: 'pose' });
    expect(s2.open).toEqual(['faceSharpness', 'pose']);
    const s3 = qualityPanelReducer(s2, { type: 'close-all' });
    expect(s3.open).toEqual([]);
    expect(qualityPanelReducer(s3, { type: 'close-all' })).toBe(s3);
  });
});
