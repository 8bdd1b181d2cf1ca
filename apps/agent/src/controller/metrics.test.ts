import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { GatewayController } from './controller.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('controller metrics', () => {
  it('exposes queue depth, leadership, batches, sync calls, API errors, status writes and reconcile durations', () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1' }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const c = new GatewayController({ kubeConfig: kc, log: silent });
    const text = c.metricsText();
    for (const name of [
      'epic_controller_queue_depth 0',
      'epic_controller_leader 1',
      'epic_controller_reconcile_batches_total 0',
      'epic_controller_sync_calls_total 0',
      'epic_controller_api_errors_total 0',
      'epic_controller_status_writes_total 0',
      'epic_controller_skipped_events_total 0',
      'epic_controller_reconcile_duration_seconds_bucket{le="+Inf"} 0',
      'epic_controller_reconcile_duration_seconds_count 0',
    ])
      expect(text.split('\n')).toContain(name);
    expect(text).toMatch(/# TYPE epic_controller_reconcile_duration_seconds histogram/);
    c.stop();
  });
});
