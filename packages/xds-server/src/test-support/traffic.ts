// Continuous RPC traffic with a fixed number of callers, counting successes and failures per backend.
import { type EchoClient, call } from './echo-backends.js';

export interface TrafficReport {
  ok: number;
  failed: number;
  errors: string[];
  byBackend: Record<string, number>;
}

export function startTraffic(
  client: EchoClient,
  concurrency = 4,
): { stop(): Promise<TrafficReport>; report: TrafficReport } {
  const report: TrafficReport = { ok: 0, failed: 0, errors: [], byBackend: {} };
  let running = true;
  const worker = async (): Promise<void> => {
    while (running) {
      try {
        const r = await call(client, 'Echo', {}, 5000);
        report.ok += 1;
        report.byBackend[r.backend] = (report.byBackend[r.backend] ?? 0) + 1;
      } catch (err) {
        report.failed += 1;
        if (report.errors.length < 10) report.errors.push((err as Error).message);
        // A call that fails fast must not turn this loop into a busy loop that starves timers and I/O.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    report,
    async stop() {
      running = false;
      await Promise.all(workers);
      return report;
    },
  };
}
