import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  GatewayStatus,
  RouteStatus,
  toValidationIssues,
  validate,
  type SpecKind,
  type ValidationIssue,
} from './index.js';
import {
  allPaths,
  gatewaySpec,
  grpcRouteSpec,
  httpRouteSpec,
  mutateAt,
  referenceGrantSpec,
  tcpRouteSpec,
  tlsRouteSpec,
  udpRouteSpec,
} from './test-support/arbitraries.js';
import { validCases } from './test-support/corpus.js';
import {
  loadCrdSchema,
  loadCrdSpecSchema,
  upstreamRoot,
  upstreamValidator,
} from './test-support/upstream.js';

// Every limit of the upstream CRD schema, probed at its edge. For each field a valid spec holds, the
// schema's own numbers give the probes: a string of maxLength and of maxLength + 1, minLength − 1, a list of
// maxItems + 1 and minItems − 1 items, minimum − 1 and maximum + 1, every enum value and one that is not,
// and for a pattern a dictionary of near-misses. Then, for each probe:
//   - the upstream structural schema rejects it → ours rejects it too;
//   - the upstream structural schema accepts it → ours reports nothing at that field, unless what it
//     reports is one of the CRD's own CEL rule messages (CEL is not in the structural schema).
// Random breakage (properties.test.ts) rarely lands on an exact limit; this walks every one.

type Schema = Record<string, unknown>;
type Path = (string | number)[];

const KINDS: [SpecKind, string, fc.Arbitrary<object>][] = [
  ['HTTPRoute', 'gateway.networking.k8s.io_httproutes.yaml', httpRouteSpec],
  ['GRPCRoute', 'gateway.networking.k8s.io_grpcroutes.yaml', grpcRouteSpec],
  ['TCPRoute', 'gateway.networking.k8s.io_tcproutes.yaml', tcpRouteSpec],
  ['TLSRoute', 'gateway.networking.k8s.io_tlsroutes.yaml', tlsRouteSpec],
  ['UDPRoute', 'gateway.networking.k8s.io_udproutes.yaml', udpRouteSpec],
  ['Gateway', 'gateway.networking.k8s.io_gateways.yaml', gatewaySpec],
  ['ReferenceGrant', 'gateway.networking.k8s.io_referencegrants.yaml', referenceGrantSpec],
];

/**
 * What ours checks on top of the structural schema, on purpose: RE2 syntax and Envoy's program-size limit
 * (Envoy refuses such a route), duplicates in `x-kubernetes-list-type: set|map` lists (the API server refuses
 * them; the structural schema cannot say it), and IP addresses as hostnames (the spec forbids them in prose).
 */
const STRICTER = [/RE2/, /^Duplicate value: /, /^Hostnames cannot contain an IP$/];

/** The `message` of every CEL rule (`x-kubernetes-validations`) in a CRD file. */
function celMessages(file: string): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'x-kubernetes-validations' && Array.isArray(value))
        for (const rule of value as { message?: string; rule: string }[]) out.add(rule.message ?? rule.rule);
      walk(value);
    }
  };
  for (const doc of parseAllDocuments(readFileSync(path.join(upstreamRoot, 'crd/standard', file), 'utf8')))
    walk(doc.toJS());
  return out;
}

/** The schema node for a path inside the spec, or undefined where the schema says nothing. */
function schemaAt(schema: Schema, p: Path): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const key of p) {
    if (!node) return undefined;
    if (typeof key === 'number') node = node.items as Schema | undefined;
    else {
      const props = node.properties as Record<string, Schema> | undefined;
      node =
        props?.[key] ??
        (typeof node.additionalProperties === 'object' ? (node.additionalProperties as Schema) : undefined);
    }
  }
  return node;
}

const pad = (s: string, n: number, fill = 'a') =>
  s.length >= n ? s.slice(0, n) : s + fill.repeat(n - s.length);

const NEAR_MISSES = [
  '',
  'a',
  'A',
  'Z9',
  '0',
  '9a',
  '-',
  'a-',
  '-a',
  'a-b',
  'a.b',
  'a..b',
  '.a',
  'a.',
  '*',
  '*.a',
  'a.*',
  '*.*.a',
  'a*',
  'a b',
  ' a',
  'a ',
  'a/b',
  '/a',
  '/',
  '//',
  '/a//b',
  '/a/./b',
  '/a/../b',
  '/a?b',
  '/a#b',
  '/a%2F',
  '/%',
  'a_b',
  '_a',
  'ü',
  'a:b',
  'a:80',
  '1.2.3.4',
  '::1',
  '[::1]',
  'a=b',
  'http://a',
  'a\tb',
  'a\nb',
  'a@b',
  'a,b',
  'a;b',
  'a~b',
  'A.B',
  'a.B',
  'x.y.z',
  'example.com',
  'foo.example.com',
  'Foo',
  'gateway.networking.k8s.io',
  'HTTPRoute',
  'Service',
  'a/b/c',
  'a'.repeat(63),
  'a'.repeat(64),
  `${'a'.repeat(63)}.b`,
  `${'a'.repeat(64)}.b`,
  'application/json',
  'x-header',
  'X-Header',
  'x_header',
  ':authority',
  'a..',
  '1d',
  '1h',
  '1.5s',
  '100ms',
  '0s',
  '1h1m',
  '10000h',
  '-1s',
  's',
  '1',
  '01',
  'a1',
  '1a',
  'abc-',
  'ab--c',
  'a-1',
  'a.1',
  '1-a',
  'A-b',
  'aB',
];

function stringProbes(node: Schema, value: string): string[] {
  const out = new Set<string>();
  const max = node.maxLength as number | undefined;
  const min = node.minLength as number | undefined;
  if (max !== undefined) {
    out
      .add(pad(value, max))
      .add(pad(value, max + 1))
      .add('a'.repeat(max))
      .add('a'.repeat(max + 1));
    out.add(pad(value, max, '.a').slice(0, max)).add(pad(value, max + 1, '-a').slice(0, max + 1));
  }
  if (min !== undefined && min > 0)
    out
      .add(value.slice(0, min - 1))
      .add('a'.repeat(min - 1))
      .add(pad(value, min));
  if (Array.isArray(node.enum)) {
    for (const e of node.enum as string[]) out.add(e).add(e.toLowerCase()).add(`${e}x`);
    out.add('NotAnEnumValue');
  }
  if (typeof node.pattern === 'string') {
    for (const s of NEAR_MISSES) out.add(s);
    for (const affix of ['-', '.', '*', ' ', '/', 'A', '_', ':', '0'])
      out.add(value + affix).add(affix + value);
    out.add(value.toUpperCase()).add(value.toLowerCase());
  }
  if (node.format === 'date-time')
    for (const t of [
      '2026-12-03T10:00:00+01:00',
      '2026-12-03T10:00:00.5Z',
      '2026-12-03T10:00:00-08:00',
      'yesterday',
    ])
      out.add(t);
  out.delete(value);
  return [...out];
}

function numberProbes(node: Schema, value: number): number[] {
  const out = new Set<number>([value + 0.5]);
  const { minimum, maximum } = node as { minimum?: number; maximum?: number };
  if (minimum !== undefined) out.add(minimum).add(minimum - 1);
  if (maximum !== undefined) out.add(maximum).add(maximum + 1);
  if (node.format === 'int32') out.add(2 ** 31).add(2 ** 31 - 1);
  out.delete(value);
  return [...out];
}

function arrayProbes(node: Schema, value: unknown[]): unknown[][] {
  const out: unknown[][] = [];
  const max = node.maxItems as number | undefined;
  const min = node.minItems as number | undefined;
  const last = value.at(-1);
  if (max !== undefined && last !== undefined)
    out.push([...value, ...Array.from({ length: max + 1 - value.length }, () => structuredClone(last))]);
  if (min !== undefined && min > 0 && value.length >= min) out.push(value.slice(0, min - 1));
  return out;
}

function probes(node: Schema, value: unknown): unknown[] {
  if (typeof value === 'string') return stringProbes(node, value);
  if (typeof value === 'number') return numberProbes(node, value);
  if (Array.isArray(value)) return arrayProbes(node, value);
  return [];
}

/** A probe as a short text: long strings by their start and length, long lists by their size. */
const show = (probe: unknown): string =>
  typeof probe === 'string' && probe.length > 40
    ? `${JSON.stringify(probe.slice(0, 24))}… (${probe.length} chars)`
    : Array.isArray(probe) && probe.length > 3
      ? `[${probe.length} items]`
      : JSON.stringify(probe);

const fieldPath = (p: Path, root: string) =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : `${s}.${k}`), root);

const valueAt = (obj: unknown, p: Path): unknown =>
  p.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], obj);

interface Side {
  root: 'spec' | 'status';
  schema: Schema;
  upstream: (value: unknown) => { ok: boolean };
  ours: (value: unknown) => { ok: true; value: unknown } | { ok: false; issues: ValidationIssue[] };
  cel: Set<string>;
}

/**
 * Every probe of every field of every sample: what ours misses (upstream rejects, ours accepts), what ours
 * refuses without reason (upstream accepts, ours names that field), and defaults ours does not apply
 * (a field with a schema default removed: ours must fill in the same value).
 */
function probeAll(side: Side, samples: unknown[]) {
  const missed: string[] = [];
  const extra: string[] = [];
  const defaults: string[] = [];
  const seen = new Set<string>();
  let probed = 0;
  let rejected = 0;
  const check = (p: Path, probe: unknown, remove: boolean, sample: unknown) => {
    // The same probe at the same field of another sample (list indices aside) adds nothing.
    const field = fieldPath(p, side.root).replace(/\[\d+\]/g, '[]');
    const seenKey = `${field}=${remove ? '<removed>' : JSON.stringify(probe)}`;
    if (seen.has(seenKey)) return;
    seen.add(seenKey);
    const key = `${field}=${remove ? '<removed>' : show(probe)}`;
    const variant = mutateAt(sample, p, probe, remove);
    probed++;
    const up = side.upstream(variant).ok;
    const ours = side.ours(variant);
    if (!up) {
      rejected++;
      if (ours.ok) missed.push(key);
    } else if (!ours.ok) {
      const at = fieldPath(p, side.root);
      const wrong = ours.issues.filter(
        (i) => i.path === at && !side.cel.has(i.message) && !STRICTER.some((r) => r.test(i.message)),
      );
      if (wrong.length > 0) extra.push(`${key}: ${wrong.map((w) => w.message).join('; ')}`);
    } else if (remove) {
      const expected = (schemaAt(side.schema, p) as Schema).default;
      const got = valueAt(ours.value, p);
      if (!isDeepStrictEqual(got, expected))
        defaults.push(`${key}: defaulted to ${JSON.stringify(got)}, upstream ${JSON.stringify(expected)}`);
    }
  };
  for (const sample of samples) {
    for (const p of allPaths(sample)) {
      const node = schemaAt(side.schema, p);
      if (!node) continue;
      for (const probe of probes(node, valueAt(sample, p))) check(p, probe, false, sample);
      if (node.default !== undefined && typeof p.at(-1) === 'string') check(p, undefined, true, sample);
    }
  }
  return { findings: { missed, extra, defaults }, probed, rejected };
}

/** Valid specs of a kind that both sides accept: the corpus's and a fixed sample of the generator's. */
function validSpecs(kind: SpecKind, arbitrary: fc.Arbitrary<object>): unknown[] {
  const upstream = upstreamValidator(kind);
  const fromCorpus = validCases.filter((c) => c.kind === kind).map((c) => c.spec);
  const sampled = fc.sample(arbitrary, { numRuns: 40, seed: 20261203 });
  return [...fromCorpus, ...sampled].filter((s) => validate(kind, s).ok && upstream(s).ok);
}

describe.each(KINDS)('%s: every schema limit at its edge', { timeout: 60_000 }, (kind, file, arbitrary) => {
  const side: Side = {
    root: 'spec',
    schema: loadCrdSpecSchema(kind),
    upstream: upstreamValidator(kind),
    ours: (v) => validate(kind, v),
    cel: celMessages(file),
  };
  const specs = validSpecs(kind, arbitrary);

  it('has valid specs to probe, reaching constrained fields', () => {
    expect(specs.length).toBeGreaterThanOrEqual(20);
  });

  it('agrees with the upstream schema on every probe', () => {
    const { findings, probed, rejected } = probeAll(side, specs);
    expect(findings).toEqual({ missed: [], extra: [], defaults: [] });
    // Not vacuous: many probes, a good share of them over a limit.
    expect(probed).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(50);
  });
});

// Status: what the controller writes and the API returns must be what the API server accepts.
const when = '2026-12-03T10:00:00Z';
const condition = (type: string, status = 'True', reason = type) => ({
  type,
  status,
  observedGeneration: 3,
  lastTransitionTime: when,
  reason,
  message: `${type} by EPIC`,
});
const parentRef = {
  group: 'gateway.networking.k8s.io',
  kind: 'Gateway',
  namespace: 'team-a',
  name: 'public',
  sectionName: 'https',
  port: 443,
};
const routeStatuses = [
  {
    parents: [
      {
        parentRef,
        controllerName: 'epic.acnodal.io/gateway-controller',
        conditions: [condition('Accepted'), condition('ResolvedRefs', 'False', 'BackendNotFound')],
      },
      {
        parentRef: { name: 'other' },
        controllerName: 'example.com/other',
        conditions: [condition('example.com/Custom-Type.v2', 'Unknown', 'Some_Reason:x,y')],
      },
    ],
  },
];
const gatewayStatuses = [
  {
    addresses: [
      { type: 'IPAddress', value: '192.0.2.10' },
      { type: 'Hostname', value: 'public.team-a.example.com' },
    ],
    conditions: [condition('Accepted'), condition('Programmed', 'False', 'Pending')],
    listeners: [
      {
        name: 'https',
        supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }, { kind: 'GRPCRoute' }],
        attachedRoutes: 3,
        conditions: [condition('Accepted'), condition('ResolvedRefs')],
      },
    ],
    attachedListenerSets: 1,
  },
  { addresses: [{ value: '2001:db8::1' }], listeners: [{ name: 'udp', attachedRoutes: 0, conditions: [] }] },
];
const STATUS_KINDS: [string, string, z.ZodType, unknown[]][] = [
  ['Gateway', 'gateway.networking.k8s.io_gateways.yaml', GatewayStatus, gatewayStatuses],
  ['HTTPRoute', 'gateway.networking.k8s.io_httproutes.yaml', RouteStatus, routeStatuses],
  ['GRPCRoute', 'gateway.networking.k8s.io_grpcroutes.yaml', RouteStatus, routeStatuses],
  ['TLSRoute', 'gateway.networking.k8s.io_tlsroutes.yaml', RouteStatus, routeStatuses],
];

describe.each(STATUS_KINDS)('%s status: every schema limit at its edge', (kind, file, ours, samples) => {
  const side: Side = {
    root: 'status',
    schema: loadCrdSchema(kind, 'status'),
    upstream: upstreamValidator(kind, 'status'),
    ours: (v) => {
      const r = ours.safeParse(v);
      return r.success
        ? { ok: true, value: r.data }
        : { ok: false, issues: toValidationIssues(r.error.issues, 'status') };
    },
    cel: celMessages(file),
  };

  it('starts from samples both sides accept', () => {
    for (const s of samples)
      expect({ ours: side.ours(s).ok, upstream: side.upstream(s).ok }).toEqual({
        ours: true,
        upstream: true,
      });
  });

  it('agrees with the upstream schema on every probe', () => {
    const { findings, probed, rejected } = probeAll(side, samples);
    expect(findings).toEqual({ missed: [], extra: [], defaults: [] });
    expect(probed).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(30);
  });
});
