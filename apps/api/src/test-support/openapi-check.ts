import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { FastifyInstance } from 'fastify';

/** One answer the API gave in a test: what `validateResponses` checks against the OpenAPI document. */
export interface RecordedResponse {
  method: string;
  /** The route pattern Fastify matched (`/api/v1/gateways/:id`), or the URL when none matched. */
  route: string;
  url: string;
  status: number;
  contentType: string;
  body: string;
}

/** Records every answer under /api/v1 (onSend sees the serialised payload, exactly what a client gets). */
export function recordResponses(app: FastifyInstance): RecordedResponse[] {
  const seen: RecordedResponse[] = [];
  app.addHook('onSend', async (req, reply, payload) => {
    if (!req.url.startsWith('/api/v1') || req.url.startsWith('/api/v1/openapi.json')) return payload;
    seen.push({
      method: req.method,
      route: req.routeOptions.url ?? req.url.split('?')[0]!,
      url: req.url,
      status: reply.statusCode,
      contentType: String(reply.getHeader('content-type') ?? ''),
      body: typeof payload === 'string' ? payload : payload == null ? '' : String(payload),
    });
    return payload;
  });
  return seen;
}

type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components: { schemas: Record<string, unknown> };
};

/**
 * Validates recorded answers against the OpenAPI 3.1 document: each must be a status the operation declares
 * (or the 4XX/5XX ranges), with a body its schema accepts; every error body names the request id. Returns
 * one line per mismatch (method, path, status, what is wrong).
 */
export function validateResponses(doc: Doc, seen: RecordedResponse[]): string[] {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addSchema({ $id: 'epic:openapi', components: doc.components });
  const compiled = new Map<unknown, ValidateFunction>();
  const validator = (schema: unknown) => {
    let v = compiled.get(schema);
    if (!v) {
      const text = JSON.stringify(schema).replaceAll('"#/components/', '"epic:openapi#/components/');
      v = ajv.compile(JSON.parse(text) as object);
      compiled.set(schema, v);
    }
    return v;
  };
  const problems: string[] = [];
  for (const r of seen) {
    const where = `${r.method} ${r.url} → ${r.status}`;
    const path = r.route.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[path]?.[r.method.toLowerCase()];
    const responses = op?.responses ?? {};
    const declared = responses[String(r.status)] ?? responses[`${String(r.status)[0]}XX`];
    if (r.status >= 400 || !op) {
      // Unknown routes too: every error body is the Error schema and carries the request id.
      const schema = { $ref: '#/components/schemas/Error' };
      check(schema);
      continue;
    }
    if (!declared) {
      problems.push(`${where}: status not declared (has ${Object.keys(responses).join(', ')})`);
      continue;
    }
    const schema = declared.content?.['application/json']?.schema;
    if (!schema) {
      if (r.body !== '')
        problems.push(`${where}: declared without a body, but answered ${r.body.slice(0, 80)}`);
      continue;
    }
    check(schema);

    function check(s: unknown) {
      if (!r.contentType.startsWith('application/json')) {
        problems.push(`${where}: content-type ${r.contentType || '(none)'}, not application/json`);
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(r.body);
      } catch {
        problems.push(`${where}: body is not JSON: ${r.body.slice(0, 80)}`);
        return;
      }
      const v = validator(s);
      if (!v(body)) {
        for (const e of v.errors ?? [])
          problems.push(
            `${where}: ${e.instancePath || '(body)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
          );
      }
    }
  }
  return problems;
}
