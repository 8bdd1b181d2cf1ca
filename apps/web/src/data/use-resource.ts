import { useCallback, useEffect, useState } from 'react';

export type Resource<T> =
  { state: 'loading' } | { state: 'error'; error: Error } | { state: 'ready'; data: T };

/** Loads `load()` when `key` changes; `reload` re-runs it. Stale answers (an older key) are dropped. */
export function useResource<T>(key: string, load: () => Promise<T>): [Resource<T>, () => void] {
  const [res, setRes] = useState<Resource<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setRes({ state: 'loading' });
    load().then(
      (data) => current && setRes({ state: 'ready', data }),
      (error: unknown) =>
        current &&
        setRes({ state: 'error', error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      current = false;
    };
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return [res, reload];
}
