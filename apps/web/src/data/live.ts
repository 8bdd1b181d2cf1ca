/**
 * Coalesced refreshes: `refresh()` starts `load` at once when none is in flight; calls made while one is in
 * flight are folded into one more run after it (so a burst of events costs at most one read beyond the one under
 * way, and the last event is always followed by a read that started after it).
 */
export function coalesced(load: () => Promise<void>): { refresh: () => void; stop: () => void } {
  let inFlight = false;
  let again = false;
  let stopped = false;
  const run = () => {
    if (stopped) return;
    inFlight = true;
    again = false;
    load()
      .catch(() => undefined)
      .finally(() => {
        inFlight = false;
        if (again) run();
      });
  };
  return {
    refresh: () => {
      if (inFlight) again = true;
      else run();
    },
    stop: () => {
      stopped = true;
    },
  };
}

/**
 * How often the gateway page reads its topology without an event: slowly while the subscription is live (a
 * safety net; every change is announced), every few seconds while it is not.
 */
export const RESYNC_LIVE_MS = 60_000;
export const POLL_OFFLINE_MS = 5_000;
