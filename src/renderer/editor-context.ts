import { createContext, useContext } from 'react';
import type { Store } from './state/store';
import type { EditorAction, EditorState } from './state/editor';
import type { TimelineView } from './state/timeline-view';
import { CurveEvaluator } from '../engine/common/curves/evaluate';
import type { CurveDocument } from '../engine/common/curves/document';
import type { Peaks } from './timeline/peaks';

export type EditorStore = Store<EditorState, EditorAction>;
export type ViewStore = Store<TimelineView, TimelineView>;

/** Shared by the timeline, inspector and preview of one open project. */
export interface EditorContextValue {
  editor: EditorStore;
  view: ViewStore;
  /** Cached curve evaluation, kept in step with the editor's document. */
  evaluator(doc: CurveDocument): CurveEvaluator;
  peaks: Store<Peaks | undefined, Peaks | undefined>;
  /** Audio element of the voice-over, when there is one. */
  audio: AudioHolder;
}

export const EditorContext = createContext<EditorContextValue | null>(null);

export function useEditor(): EditorContextValue {
  const v = useContext(EditorContext);
  if (!v) throw new Error('useEditor outside <EditorContext.Provider>');
  return v;
}

export function makeEvaluator(): (doc: CurveDocument) => CurveEvaluator {
  const ev = new CurveEvaluator();
  return (doc) => {
    if (ev.document !== doc) ev.setDocument(doc);
    return ev;
  };
}

/** Finds the voice-over's <audio> element (rendered by EditorArea with data-testid="voiceover-audio"). */
export class AudioHolder {
  get element(): HTMLAudioElement | null {
    return document.querySelector<HTMLAudioElement>('audio[data-testid="voiceover-audio"]');
  }
}
