// Every golden case's objects, applied with server-side apply to the in-memory API server (metadata and the
// PodMonitor CRD's schema validated there; built-in specs by kubeAcceptanceProblems), then collected by the
// garbage collector once their root goes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKubeTestServer, type KubeTestServer } from '@epic/kube-testserver';
import { raw } from '@epic/kube-testserver/test-support';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateInfrastructure } from './translate.js';
import { apply, installPodMonitorCrd, pathOf } from './test-support/apply.js';
import { parseFixture } from './test-support/fixture.js';

const testdata = join(import.meta.dirname, '..', 'testdata');
const cases = readdirSync(testdata)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

let server: KubeTestServer;
beforeAll(async () => {
  server = await startKubeTestServer();
  await installPodMonitorCrd(server);
});
afterAll(async () => {
  await server?.close();
});

describe('applied to an API server', () => {
  for (const name of cases) {
    it(`${name}: every object is accepted, owned by the root, and collected with it`, async () => {
      const { input } = parseFixture(parse(readFileSync(join(testdata, `${name}.in.yaml`), 'utf8')));
      const first = translateInfrastructure(input);
      for (const o of [first.namespace, first.root]) {
        const r = await apply(server, o);
        expect([200, 201], `${o.kind}: ${r.text}`).toContain(r.status);
      }
      const rootUid = (await raw(server, 'GET', pathOf(first.root))).json.metadata.uid as string;
      const objects = translateInfrastructure(input, { rootUid });
      for (const o of objects.owned) {
        const r = await apply(server, o);
        expect([200, 201], `${o.kind} ${o.metadata.name}: ${r.text}`).toContain(r.status);
        expect(r.json.metadata.ownerReferences).toEqual([
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: first.root.metadata.name,
            uid: rootUid,
            controller: true,
          },
        ]);
        expect(r.json.metadata.labels).toEqual(o.metadata.labels);
      }
      // Applying the same objects again changes nothing (no resourceVersion bump: SSA is idempotent).
      for (const o of objects.owned) {
        const before = (await raw(server, 'GET', pathOf(o))).json.metadata.resourceVersion;
        const again = await apply(server, o);
        expect(again.json.metadata.resourceVersion, o.kind).toBe(before);
      }
      expect((await raw(server, 'DELETE', pathOf(first.root))).status).toBe(200);
      await server.settled();
      // The collector has finished (settled): every dependent is gone.
      const codes = await Promise.all(
        objects.owned.map(async (o) => (await raw(server, 'GET', pathOf(o))).status),
      );
      expect(codes).toEqual(objects.owned.map(() => 404));
    });
  }

  it('refuses a PodMonitor that breaks its CRD schema (the CRD is enforced)', async () => {
    const { input } = parseFixture(parse(readFileSync(join(testdata, `${cases[0]}.in.yaml`), 'utf8')));
    const objects = translateInfrastructure(input);
    await apply(server, objects.namespace);
    const monitor = objects.owned.find((o) => o.kind === 'PodMonitor')!;
    const broken = {
      ...monitor,
      spec: { selector: { matchLabels: { a: 'b' } }, podMetricsEndpoints: [{ port: '' }] },
    };
    expect((await apply(server, broken)).status).toBe(422);
  });
});
