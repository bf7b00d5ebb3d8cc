import { useEffect, useRef, useState } from 'react';
import type { ApiClient } from '../api/client';
import { preloadImage } from './preload-image';

/**
 * The URL of one frame of the reference video, extracted on the host (media.frame)
 * rather than seeked in a <video> element, which Chromium builds without H.264 show
 * black. At most one request is in flight: while it runs, newer frames only replace
 * the wanted one, so playback and fast scrubbing skip frames instead of queueing them;
 * a short debounce keeps a drag from asking for every frame it passes.
 */
const DEBOUNCE_MS = 40;

export interface ReferenceFrameState {
  url?: string;
  /** The frame the image shows (may lag the wanted one while it loads). */
  frame?: number;
  error?: string;
}

export function useReferenceFrame(api: ApiClient, projectDir: string, mediaId: string | undefined, frame: number | undefined, maxSize = 512): ReferenceFrameState {
  // The frames of one video at one size; a state of another key is not shown.
  const key = `${projectDir}|${mediaId ?? ''}|${maxSize}`;
  const [state, setState] = useState<ReferenceFrameState & { key?: string }>({});
  const wanted = useRef<number | undefined>(undefined);
  const busy = useRef<string | undefined>(undefined);

  useEffect(() => {
    if (mediaId === undefined || frame === undefined) return;
    wanted.current = frame;
    const pump = async () => {
      if (busy.current === key) return;
      busy.current = key;
      try {
        while (wanted.current !== undefined && busy.current === key) {
          const f = wanted.current;
          wanted.current = undefined;
          try {
            const r = await api.call('media.frame', { projectDir, mediaId, frame: f, maxSize });
            const url = api.fileUrl(r.file);
            // Decode before swapping, so the old frame stays up until the new one can be drawn.
            await preloadImage(url);
            setState({ key, url, frame: r.frame });
          } catch (err) {
            setState((s) => ({ ...(s.key === key ? s : {}), key, error: (err as Error).message }));
          }
        }
      } finally {
        if (busy.current === key) busy.current = undefined;
      }
    };
    const t = setTimeout(() => void pump(), DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [api, projectDir, mediaId, frame, maxSize, key]);

  return state.key === key ? state : {};
}

