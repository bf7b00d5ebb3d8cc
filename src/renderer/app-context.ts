import { createContext, useContext } from 'react';
import type { ApiClient } from './api/client';
import { createStore, type Store } from './state/store';
import { initialSession, sessionReducer, type SessionAction, type SessionState } from './state/session';
import { ApiError, toApiError } from './api/decode';

export type SessionStore = Store<SessionState, SessionAction>;

export function createSessionStore(): SessionStore {
  return createStore(sessionReducer, initialSession);
}

export interface AppContextValue {
  api: ApiClient;
  session: SessionStore;
  /** Shows an error to the user (from any failed call). */
  report(title: string, err: unknown): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const v = useContext(AppContext);
  if (!v) throw new Error('useApp outside <AppContext.Provider>');
  return v;
}

export function reportTo(session: SessionStore) {
  return (title: string, err: unknown) => {
    const e: ApiError = toApiError(err);
    session.dispatch({ type: 'notice', notice: { level: 'error', title, message: e.message, ...(e.hint ? { hint: e.hint } : {}), ...(e.file ? { file: e.file } : {}) } });
  };
}

export const LAST_PROJECT_KEY = 'facial-studio.lastProject';
