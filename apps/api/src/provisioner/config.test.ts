import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';

describe('provisioner configuration', () => {
  it('is off by default', () => {
    expect(loadConfig({}).PROVISIONER).toBe('none');
  });
  it('kubernetes needs exactly one way to reach the EPIC cluster', () => {
    expect(() => loadConfig({ PROVISIONER: 'kubernetes' })).toThrow(
      /EPIC_CLUSTER_KUBECONFIG: PROVISIONER=kubernetes needs/,
    );
    expect(() =>
      loadConfig({
        PROVISIONER: 'kubernetes',
        EPIC_CLUSTER_KUBECONFIG: '/k',
        EPIC_CLUSTER_IN_CLUSTER: 'true',
      }),
    ).toThrow(/exactly one/);
    expect(
      loadConfig({ PROVISIONER: 'kubernetes', EPIC_CLUSTER_KUBECONFIG: '/k' }).EPIC_CLUSTER_KUBECONFIG,
    ).toBe('/k');
    expect(
      loadConfig({ PROVISIONER: 'kubernetes', EPIC_CLUSTER_IN_CLUSTER: 'true' }).EPIC_CLUSTER_IN_CLUSTER,
    ).toBe(true);
  });
  it('refuses an unknown provisioner, naming the variable', () => {
    expect(() => loadConfig({ PROVISIONER: 'cloud' })).toThrow(/PROVISIONER/);
  });
});
