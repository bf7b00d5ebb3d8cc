/**
 * Pane sizes of the workspace, in CSS pixels. Remembered per project (project.json
 * ui.panes, via project.update) and as the default for new projects (localStorage).
 */
export type PaneKey = 'left' | 'right' | 'bottom' | 'jobs';
export type Panes = Record<PaneKey, number>;

export const DEFAULT_PANES: Panes = { left: 280, right: 300, bottom: 340, jobs: 190 };

export const PANE_LIMITS: Record<PaneKey, [number, number]> = {
  left: [180, 560],
  right: [220, 600],
  bottom: [160, 900],
  jobs: [90, 480],
};

export function clampPane(key: PaneKey, px: number): number {
  const [lo, hi] = PANE_LIMITS[key];
  return Math.round(Math.min(hi, Math.max(lo, px)));
}

/** Reads sizes from untrusted storage: unknown keys and bad numbers fall back to the defaults. */
export function panesFrom(stored: unknown, base: Panes = DEFAULT_PANES): Panes {
  const out = { ...base };
  if (!stored || typeof stored !== 'object') return out;
  for (const key of Object.keys(DEFAULT_PANES) as PaneKey[]) {
    const v = (stored as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = clampPane(key, v);
  }
  return out;
}

export type LayoutAction = { type: 'resize'; key: PaneKey; px: number } | { type: 'load'; panes: unknown } | { type: 'reset' };

export function layoutReducer(state: Panes, action: LayoutAction): Panes {
  switch (action.type) {
    case 'resize': {
      const px = clampPane(action.key, action.px);
      return state[action.key] === px ? state : { ...state, [action.key]: px };
    }
    case 'load':
      return panesFrom(action.panes);
    case 'reset':
      return { ...DEFAULT_PANES };
  }
}

export function samePanes(a: Panes, b: Partial<Record<string, number>>): boolean {
  return (Object.keys(DEFAULT_PANES) as PaneKey[]).every((k) => a[k] === b[k]);
}
