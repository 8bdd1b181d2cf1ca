import { createRequire } from 'node:module';
import type { GraphQLField, GraphQLInputType, GraphQLOutputType, GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Services } from '../services.js';
import { buildGraphqlSchema, shapeOf, unwrap } from './graphql-schema.js';
import type { RestRoute } from './rest.js';
import { restRoutes } from './routes.js';
import { named } from './schemas/outputs.js';

// The two faces cannot drift: every REST operation has its GraphQL twin and every Query/Mutation field is
// one, with the same input and output shapes, field by field, all the way down.

const g = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const routes = restRoutes({} as Services);
const schema = buildGraphqlSchema(routes);
const fieldsOf = (s: GraphQLSchema) => ({
  ...s.getQueryType()!.getFields(),
  ...s.getMutationType()!.getFields(),
});
const PAGE_KEYS = ['limit', 'cursor', 'before'];

type Def = { type: string; element?: z.ZodType; shape?: Record<string, z.ZodType>; entries?: object };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Where a zod schema and a GraphQL type disagree (field names, nesting, enum values, scalar kinds). */
function mismatches(
  s: z.ZodType,
  t: GraphQLInputType | GraphQLOutputType,
  io: 'input' | 'output',
  at: string,
): string[] {
  const { inner, optional } = unwrap(s, io);
  const out: string[] = [];
  if (!optional && !g.isNonNullType(t)) out.push(`${at}: required in zod, nullable in GraphQL`);
  if (optional && g.isNonNullType(t)) out.push(`${at}: optional in zod, required in GraphQL`);
  const nt = g.getNullableType(t);
  const d = defOf(inner);
  if (d.type === 'array') {
    if (!g.isListType(nt)) return [...out, `${at}: a list in zod, ${String(nt)} in GraphQL`];
    return [...out, ...mismatches(d.element!, nt.ofType, io, `${at}[]`)];
  }
  if (d.type === 'object' && Object.keys(d.shape!).length > 0) {
    if (!g.isObjectType(nt) && !g.isInputObjectType(nt))
      return [...out, `${at}: an object in zod, ${String(nt)}`];
    const fields = nt.getFields();
    const zk = Object.keys(d.shape!).sort();
    const gk = Object.keys(fields).sort();
    if (JSON.stringify(zk) !== JSON.stringify(gk))
      out.push(`${at}: fields ${zk.join(',')} ≠ ${gk.join(',')}`);
    for (const k of zk)
      if (fields[k]) out.push(...mismatches(d.shape![k]!, fields[k].type, io, `${at}.${k}`));
    return out;
  }
  const name = g.isNamedType(nt) ? nt.name : String(nt);
  const want: Record<string, string[]> = {
    string: ['String', 'ID'],
    number: ['Int', 'Float'],
    boolean: ['Boolean'],
    date: ['DateTime'],
  };
  if (d.type === 'enum') {
    const values = Object.values(d.entries!).map(String).sort();
    if (g.isEnumType(nt)) {
      const gv = nt
        .getValues()
        .map((v) => String(v.value))
        .sort();
      if (JSON.stringify(values) !== JSON.stringify(gv))
        out.push(`${at}: enum ${values.join(',')} ≠ ${gv.join(',')}`);
    } else if (!(name === 'Boolean' && values.join() === 'false,true') && name !== 'String')
      out.push(`${at}: an enum in zod, ${name} in GraphQL`);
  } else if (want[d.type]) {
    if (!want[d.type]!.includes(name)) out.push(`${at}: ${d.type} in zod, ${name} in GraphQL`);
  } else if (name !== 'JSON' && d.type !== 'literal') out.push(`${at}: ${d.type} in zod, ${name} in GraphQL`);
  return out;
}

/** The GraphQL output that stands for a REST list: the node of the connection. */
function nodeType(f: GraphQLField<unknown, unknown>) {
  const conn = g.getNullableType(f.type) as import('graphql').GraphQLObjectType;
  const edges = g.getNullableType(
    conn.getFields().edges!.type,
  ) as import('graphql').GraphQLList<GraphQLOutputType>;
  return (g.getNullableType(edges.ofType) as import('graphql').GraphQLObjectType).getFields().node!.type;
}

function twinProblems(r: RestRoute, s: GraphQLSchema): string[] {
  const at = `${r.method} ${r.path} ↔ ${r.graphql.name}`;
  const f = fieldsOf(s)[r.graphql.name];
  if (!f) return [`${at}: no GraphQL field`];
  const kind = r.method === 'GET' || r.graphql.query ? 'Query' : 'Mutation';
  const out: string[] = [];
  if (
    !s.getType(kind) ||
    !(s.getType(kind) as import('graphql').GraphQLObjectType).getFields()[r.graphql.name]
  )
    out.push(`${at}: not a ${kind} field`);
  const args = Object.fromEntries(f.args.map((a) => [a.name, a]));
  const expected = new Set<string>();
  for (const [, p] of r.path.matchAll(/:(\w+)/g)) {
    const name = r.graphql.args?.[p!] ?? p!;
    expected.add(name);
    if (!args[name] || !g.isNonNullType(args[name].type))
      out.push(`${at}: path parameter ${p} is no required argument ${name}`);
  }
  if (r.body) {
    if (r.graphql.body === 'spread') {
      for (const [k, v] of Object.entries(shapeOf(r.body, 'input')!)) {
        expected.add(k);
        if (!args[k]) out.push(`${at}: body field ${k} is no argument`);
        else out.push(...mismatches(v, args[k].type, 'input', `${at} (${k})`));
      }
    } else {
      expected.add('input');
      if (!args.input) out.push(`${at}: no input argument`);
      else out.push(...mismatches(r.body, args.input.type, 'input', `${at} (input)`));
    }
  }
  const query = r.query ? shapeOf(r.query, 'input')! : {};
  const filters = Object.entries(query).filter(([k]) => !PAGE_KEYS.includes(k));
  const list = r.response ? shapeOf(r.response, 'output')?.items : undefined;
  if (list) expected.add('first').add('after');
  if (r.graphql.filter && filters.length) {
    expected.add('filter');
    const filter = g.getNullableType(args.filter!.type) as import('graphql').GraphQLInputObjectType;
    for (const [k, v] of filters) {
      const field = filter.getFields()[k];
      if (!field) out.push(`${at}: query field ${k} not in ${filter.name}`);
      else out.push(...mismatches(v, field.type, 'input', `${at} (filter.${k})`));
    }
  } else {
    for (const [k, v] of filters) {
      expected.add(k);
      if (!args[k]) out.push(`${at}: query field ${k} is no argument`);
      else out.push(...mismatches(v, args[k].type, 'input', `${at} (${k})`));
    }
  }
  const extra = Object.keys(args).filter((a) => !expected.has(a));
  if (extra.length) out.push(`${at}: arguments without a REST counterpart: ${extra.join(', ')}`);

  if (list)
    out.push(
      ...mismatches(defOf(unwrap(list, 'output').inner).element!, nodeType(f), 'output', `${at} (node)`),
    );
  else if (r.upsert) out.push(...mismatches(r.upsert.result, f.type, 'output', `${at} (result)`));
  else if (r.response) out.push(...mismatches(r.response, f.type, 'output', `${at} (result)`));
  else if (String(f.type) !== 'Boolean!')
    out.push(`${at}: a 204 route answers Boolean!, not ${String(f.type)}`);
  return out;
}

describe('REST and GraphQL faces', () => {
  it('every REST operation has its GraphQL twin with the same input and output shapes', () => {
    expect(routes.flatMap((r) => twinProblems(r, schema))).toEqual([]);
  });

  it('every Query and Mutation field is the twin of a REST operation', () => {
    const twins = new Set(routes.map((r) => r.graphql.name));
    expect(Object.keys(fieldsOf(schema)).filter((f) => !twins.has(f))).toEqual([]);
  });

  it('every list is a Relay connection with pageInfo and first/after', () => {
    for (const r of routes.filter((x) => x.response && shapeOf(x.response, 'output')?.items)) {
      const f = fieldsOf(schema)[r.graphql.name]!;
      expect(String(f.type), r.graphql.name).toMatch(/^\w+Connection!$/);
      expect(
        f.args.map((a) => a.name),
        r.graphql.name,
      ).toEqual(expect.arrayContaining(['first', 'after']));
    }
    const conn = schema.getType('GatewayConnection') as import('graphql').GraphQLObjectType;
    expect(Object.keys(conn.getFields())).toEqual(['edges', 'pageInfo']);
    const info = schema.getType('PageInfo') as import('graphql').GraphQLObjectType;
    expect(Object.keys(info.getFields())).toEqual(['hasNextPage', 'endCursor']);
  });

  it('kinds, roles, families and protocols are enums; no mutation takes free-form JSON as its input', () => {
    const enumOf = (n: string) =>
      (schema.getType(n) as import('graphql').GraphQLEnumType).getValues().map((v) => v.name);
    expect(enumOf('RouteKind')).toEqual(['HTTPRoute', 'TCPRoute', 'GRPCRoute', 'TLSRoute', 'UDPRoute']);
    expect(enumOf('Role')).toEqual(['owner', 'admin', 'viewer']);
    expect(enumOf('AddressFamily')).toEqual(['ipv4', 'ipv6']);
    expect(enumOf('Protocol')).toEqual(['TCP', 'UDP', 'SCTP']);
    for (const f of Object.values(fieldsOf(schema)))
      for (const a of f.args.filter((x) => x.name === 'input'))
        expect(`${f.name}(input: ${String(a.type)})`).not.toMatch(/JSON/);
  });

  it('a new route with its schemas is all a new operation takes: its twin is generated', () => {
    const Token = named('TestProxyToken', z.strictObject({ token: z.string(), expiresAt: z.date() }));
    const extra: RestRoute = {
      method: 'POST',
      path: '/gateways/:id/proxy-tokens',
      tag: 'gateways',
      summary: 'Issue a proxy token',
      body: z.strictObject({ ttlSeconds: z.number().int().min(60) }),
      response: Token,
      status: 201,
      graphql: { name: 'issueProxyToken', args: { id: 'gatewayId' } },
      handler: async () => ({ token: 't', expiresAt: new Date(0) }),
    };
    const s = buildGraphqlSchema([...routes, extra]);
    expect(twinProblems(extra, s)).toEqual([]);
    expect(g.printType(s.getType('IssueProxyTokenInput')!)).toContain('ttlSeconds: Int!');
    expect(() => buildGraphqlSchema([...routes, extra, { ...extra, path: '/other' }])).toThrow(
      /issueProxyToken/,
    );
  });
});
