/** A minimal observable store around the reducer, shared by the controller and the components. */
import { type Action, type ConsoleState, initialState, reducer } from './state.js';

/** The console store. */
export interface ConsoleStore {
  getState(): ConsoleState;
  dispatch(action: Action): void;
  subscribe(listener: () => void): () => void;
}

/** Creates a store starting from `state` (the initial state by default). */
export function createStore(state: ConsoleState = initialState()): ConsoleStore {
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return;
      state = next;
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
