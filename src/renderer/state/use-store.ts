import { useSyncExternalStore } from 'react';
import type { Store } from './store';

/** Subscribes a component to a slice of a store (selector results compared by identity). */
export function useStore<S, A, T>(store: Store<S, A>, selector: (s: S) => T): T {
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}
