import { existsSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BOOTSTRAP, validateResource } from '@epic/envoy-proto';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { kubeAcceptanceProblems } from './kube-acceptance.js';
import { translateInfrastructure, type InfraObjects } from './translate.js';
import { deepFreeze, parseFixture, testdata, type ParsedFixture } from './test-support/fixture.js';
import { envoyArgs, mergedBootstrap } from './test-support/envoy-args.js';

// Golden cases: testdata/<feature>-<case>.in.yaml → .out.yaml (the fleet's Kubernetes objects, in apply order).
// `UPDATE_GOLDEN=1 npx vitest run --project @epic/infra-translator` rewrites the outputs and deletes orphans;
// review the diff before committing.

const update = process.env['UPDATE_GOLDEN'] === '1';
const cases = readdirSync(testdata)
  .filter((f) => f.endsWith('.in.yaml'))
  .map((f) => f.slice(0, -'.in.yaml'.length))
  .sort();

if (update) {
  for (const f of readdirSync(testdata).filter((f) => f.endsWith('.out.yaml'))) {
    if (!cases.includes(f.slice(0, -'.out.yaml'.length))) unlinkSync(join(testdata, f));
  }
}

const all = (o: InfraObjects) => [o.namespace, o.root, ...o.owned];

describe('golden infrastructure translations', () => {
  it('has fixtures', () => {
    expect(cases.length).toBeGreaterThan(5);
  });

  for (const name of cases) {
    describe(name, () => {
      let fixture: ParsedFixture;
      try {
        fixture = parseFixture(parse(readFileSync(join(testdata, `${name}.in.yaml`), 'utf8')));
      } catch (error) {
        it('parses', () => {
          throw error;
        });
        return;
      }
      deepFreeze(fixture.input);
      const render = () =>
        translateInfrastructure(fixture.input, fixture.rootUid ? { rootUid: fixture.rootUid } : {});
      const objects = render();
      const output = all(objects)
        .map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }))
        .join('---\n');
      const outPath = join(testdata, `${name}.out.yaml`);

      it('matches the golden output', () => {
        if (update) writeFileSync(outPath, output);
        expect(existsSync(outPath), `${name}.out.yaml missing: run with UPDATE_GOLDEN=1`).toBe(true);
        expect(output).toBe(readFileSync(outPath, 'utf8'));
      });

      it('has only objects kube-apiserver accepts', () => {
        expect(all(objects).flatMap(kubeAcceptanceProblems)).toEqual([]);
      });

      it('gives Envoy a bootstrap (-c file merged with --config-yaml) that validates against the protos', () => {
        const merged = mergedBootstrap(objects);
        const result = validateResource(BOOTSTRAP, merged);
        expect(result.errors).toEqual([]);
        // The token reaches Envoy only through the Secret, never through the Deployment.
        expect(JSON.stringify(envoyArgs(objects))).not.toContain(fixture.token);
        expect(JSON.stringify(merged)).toContain(`Bearer ${fixture.token}`);
      });

      it('is byte-stable across runs', () => {
        expect(JSON.stringify(render())).toBe(JSON.stringify(objects));
      });
    });
  }
});
