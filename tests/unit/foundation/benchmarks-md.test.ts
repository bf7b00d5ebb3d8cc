import { describe, it, expect } from 'vitest';
import { BY_HAND_MARKER, byHandSection, renderBenchmarksMd, type BenchResults } from '../../../src/cli/commands/bench';

const results: BenchResults = {
  machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 24, os: 'Linux', node: 'v20' },
  topics: { render: { topic: 'render', title: 'Rendering', ranAt: '2026-12-06T19:18:00.000Z', seconds: 293, figures: [{ name: 'export 60 s', value: 99.8, unit: 's', goal: '<= 2x real time' }] } },
};

describe('BENCHMARKS.md', () => {
  it('keeps the by-hand section of the existing file after the measured topics', () => {
    const existing = `${renderBenchmarksMd(results)}\n${BY_HAND_MARKER}\n\n## Mouth correction (by hand)\n\n| measure | value |\n| --- | --- |\n| training | 230 s |\n`;
    const next = renderBenchmarksMd({ ...results, topics: { render: { ...results.topics.render, figures: [{ name: 'export 60 s', value: 101.2, unit: 's' }] } } }, byHandSection(existing));
    expect(next).toContain('| export 60 s | 101.2 s |');
    expect(next).not.toContain('99.8');
    expect(next).toContain('## Mouth correction (by hand)');
    expect(next).toContain('| training | 230 s |');
    expect(next.indexOf('## Rendering')).toBeLessThan(next.indexOf(BY_HAND_MARKER));
    // Rewriting again keeps exactly one copy.
    const again = renderBenchmarksMd(results, byHandSection(next));
    expect(again.split(BY_HAND_MARKER).length).toBe(2);
  });

  it('has no by-hand section when the file has no marker', () => {
    expect(byHandSection('# Benchmarks\n\n## Rendering\n')).toBe('');
    expect(renderBenchmarksMd(results, '')).not.toContain(BY_HAND_MARKER);
  });
});
