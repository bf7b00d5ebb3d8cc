import { describe, it, expect } from 'vitest';
import { layoutReducer, panesFrom, clampPane, samePanes, DEFAULT_PANES, PANE_LIMITS } from '../../../src/renderer/state/layout';
import { joinPath, parentOf, baseName, folderNameFor } from '../../../src/renderer/state/paths';

describe('layout', () => {
  it('clamps pane sizes to their limits', () => {
    expect(clampPane('left', 10)).toBe(PANE_LIMITS.left[0]);
    expect(clampPane('left', 10_000)).toBe(PANE_LIMITS.left[1]);
    expect(clampPane('bottom', 300.6)).toBe(301);
  });

  it('resizes one pane and keeps identity when nothing changes', () => {
    const s = layoutReducer(DEFAULT_PANES, { type: 'resize', key: 'right', px: 400 });
    expect(s).toEqual({ ...DEFAULT_PANES, right: 400 });
    expect(layoutReducer(s, { type: 'resize', key: 'right', px: 400 })).toBe(s);
    expect(layoutReducer(s, { type: 'reset' })).toEqual(DEFAULT_PANES);
  });

  it('reads untrusted stored layouts', () => {
    expect(panesFrom(null)).toEqual(DEFAULT_PANES);
    expect(panesFrom('junk')).toEqual(DEFAULT_PANES);
    expect(panesFrom({ left: 'wide', right: Number.NaN, bottom: 5000, other: 3 })).toEqual({ ...DEFAULT_PANES, bottom: PANE_LIMITS.bottom[1] });
    expect(panesFrom({}, { ...DEFAULT_PANES, left: 333 }).left).toBe(333);
    expect(samePanes(DEFAULT_PANES, { ...DEFAULT_PANES })).toBe(true);
    expect(samePanes(DEFAULT_PANES, {})).toBe(false);
  });
});

describe('paths', () => {
  it('joins and splits POSIX and Windows paths', () => {
    expect(joinPath('/home/a', 'P')).toBe('/home/a/P');
    expect(joinPath('/home/a/', 'P')).toBe('/home/a/P');
    expect(joinPath('C:\\Users\\a', 'P')).toBe('C:\\Users\\a\\P');
    expect(parentOf('/home/a/P')).toBe('/home/a');
    expect(parentOf('/home')).toBe('/');
    expect(parentOf('C:\\Users\\a')).toBe('C:\\Users');
    expect(baseName('/home/a/P/')).toBe('P');
  });

  it('makes a safe folder name from a project name', () => {
    expect(folderNameFor('My Talk #2')).toBe('My Talk 2');
    expect(folderNameFor('a/b\\c:d')).toBe('a b c d');
    expect(folderNameFor('...')).toBe('Untitled project');
  });
});
