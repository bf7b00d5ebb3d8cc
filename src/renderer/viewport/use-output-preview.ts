import { useCallback, useEffect, useMemo } from 'react';
import type { ApiClient } from '../api/client';
import type { EditorStore } from '../editor-context';
import type { EditorState } from '../state/editor';
import { createStore, type Store } from '../state/store';
import { initialOutputPreview, needsRequest, outputPreviewReducer, rangeAround, sameWish, type OutputPreviewAction, type OutputPreviewState, type OutputSynthesisChoice, type OutputWish } from '../state/output-preview';
import { preloadImage } from './preload-image';

/**
 * Drives the Output view: when the playhead stops (or the take changes) for SETTLE_MS,
 * asks the host for the export's frame there (preview.frame). At most one request is in
 * flight; a wish that changed meanwhile is asked next, and an answer for an older one is
 * kept only as the picture shown until the newer arrives. While the host prepares the
 * take it answers `preparing` (with its progress) and the hook asks again.
 */
const SETTLE_MS = 250;
/** How long the host holds a request while preparing, before it answers with its progress. */
const WAIT_MS = 400;

export type OutputPreviewStore = Store<OutputPreviewState, OutputPreviewAction>;

/** The take version the editor holds (its curves and edit revision) and how its frames are made. */
export function takeKey(s: EditorState, synthesis: OutputSynthesisChoice): string | undefined {
  return s.curvesId && s.doc ? `${s.curvesId}:${s.revision}:${synthesis}` : undefined;
}

function takeParams(projectDir: string, s: EditorState, synthesis: OutputSynthesisChoice) {
  return { projectDir, curvesId: s.curvesId!, edits: s.history.present.edits, semantic: s.doc!.semantic, synthesis, waitMs: WAIT_MS };
}

export function useOutputPreview(api: ApiClient, projectDir: string, editor: EditorStore) {
  const store = useMemo(() => createStore(outputPreviewReducer, initialOutputPreview), []);

  // The wish follows the playhead and the take; requests go out once it settles.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let busy = false;
    let disposed = false;
    const pump = async () => {
      if (busy || disposed) return;
      busy = true;
      try {
        for (;;) {
          const st = store.getState();
          const es = editor.getState();
          if (!needsRequest(st) || !st.wish || takeKey(es, st.synthesis) !== st.wish.key) break;
          // A base changed by "re-generate range" is saved first (the host reads it from disk).
          if (es.doc!.base !== es.savedBase) break;
          const wish: OutputWish = st.wish;
          store.dispatch({ type: 'request', wish });
          try {
            const r = await api.call('preview.frame', { ...takeParams(projectDir, es, st.synthesis), timeS: wish.timeS });
            if (r.state === 'preparing') {
              store.dispatch({ type: 'preparing', wish, fraction: r.fraction, message: r.message });
              continue;
            }
            const url = api.fileUrl(r.file);
            await preloadImage(url);
            store.dispatch({
              type: 'frame', wish, prepareS: r.prepareS, frameMs: r.paintMs,
              shown: { key: wish.key, timeS: wish.timeS, frame: r.frame, url, width: r.width, height: r.height, synthesis: r.synthesis },
            });
          } catch (err) {
            store.dispatch({ type: 'failed', wish, message: (err as Error).message });
          }
        }
      } finally {
        busy = false;
      }
    };
    const update = () => {
      const st = store.getState();
      const es = editor.getState();
      const key = takeKey(es, st.synthesis);
      // While playing, the 3D preview follows; the output waits for the playhead to stop.
      if (st.view === '3d' || !key || !es.doc || es.rate !== 0) return;
      const wish = { key, timeS: Math.round(es.playhead) / es.doc.fps };
      if (!sameWish(st.wish, wish)) {
        clearTimeout(timer);
        timer = undefined;
        store.dispatch({ type: 'want', wish });
      }
      if (needsRequest(store.getState()) && !busy && timer === undefined) {
        timer = setTimeout(() => {
          timer = undefined;
          void pump();
        }, SETTLE_MS);
      }
    };
    const offEditor = editor.subscribe(update);
    const offStore = store.subscribe(update);
    update();
    return () => {
      disposed = true;
      clearTimeout(timer);
      offEditor();
      offStore();
    };
  }, [api, projectDir, editor, store]);

  const cancel = useCallback(() => {
    store.dispatch({ type: 'cancel' });
    void api.call('preview.cancel', { projectDir }).catch(() => undefined);
  }, [api, projectDir, store]);

  /** Asks again for the frame at the playhead (after a cancel or an error). */
  const retry = useCallback(() => store.dispatch({ type: 'retry' }), [store]);

  /** Makes the frames of about 2 s around the playhead and plays them. */
  const playRange = useCallback(async (durationS: number) => {
    const es = editor.getState();
    const { synthesis } = store.getState();
    const key = takeKey(es, synthesis);
    if (!key || !es.doc) return;
    const { fromS, seconds } = rangeAround(Math.round(es.playhead) / es.doc.fps, durationS);
    store.dispatch({ type: 'range-request', key, fromS });
    try {
      for (;;) {
        const r = await api.call('preview.range', { ...takeParams(projectDir, es, synthesis), fromS, seconds });
        const now = store.getState().range;
        if (now.phase !== 'rendering' || now.key !== key) return;
        if (r.state === 'preparing') {
          store.dispatch({ type: 'range-preparing', key, fraction: r.fraction, message: r.message });
          continue;
        }
        const urls = r.files.map((f) => api.fileUrl(f));
        await Promise.all(urls.map(preloadImage));
        store.dispatch({ type: 'range-ready', key, startS: r.startS, fps: r.fps, urls });
        return;
      }
    } catch (err) {
      store.dispatch({ type: 'range-failed', message: (err as Error).message });
    }
  }, [api, projectDir, editor, store]);

  return { store, cancel, retry, playRange };
}
