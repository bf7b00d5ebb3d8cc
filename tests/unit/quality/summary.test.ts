import { describe, it, expect } from 'vitest';
import { qualitySummaryLines } from '../../../src/engine/quality';
import { qualityReportPath } from '../../../src/engine/quality/analyse-render';
import { RenderQualityReport } from '../../../src/shared/render-quality';
import { sampleQualityReport } from '../../helpers/quality-report-sample';

describe('quality report summary and file', () => {
  it('prints the verdict, then one line per measure', () => {
    const lines = qualitySummaryLines(sampleQualityReport());
    expect(lines[0]).toBe('quality: not good enough (2 problems)');
    expect(lines).toHaveLength(11);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}\[POOR\] Face sharpness +blurry$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}\[ -- \] Mouth closes on pauses +no pauses$/));
    const detailed = qualitySummaryLines(sampleQualityReport(), { detail: true });
    expect(detailed).toContainEqual(expect.stringMatching(/Face sharpness +blurry: blurry \(figures\)$/));
    expect(detailed.at(-1)).toBe('  note: a note');
  });

  it('lies beside the video as X.quality.json; the sample satisfies the contract', () => {
    expect(qualityReportPath('/a/b/talk.mp4')).toBe('/a/b/talk.quality.json');
    expect(qualityReportPath('/a/b/talk.preview.mp4')).toBe('/a/b/talk.preview.quality.json');
    expect(RenderQualityReport.safeParse(sampleQualityReport()).success).toBe(true);
  });
});
