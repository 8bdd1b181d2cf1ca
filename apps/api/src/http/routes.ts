import {
  addMembershipInput,
  createAccountInput,
  createApiKeyInput,
  createClusterInput,
  updateAccountInput,
} from '../modules/accounts.js';
import { upsertCertificateInput } from '../modules/certificates.js';
import {
  listClusterObjectsQuery,
  upsertReferenceGrantInput,
  upsertServiceInput,
} from '../modules/cluster-objects.js';
import {
  listAuditQuery,
  listEndpointSlicesQuery,
  staticEndpointsInput,
  upsertEndpointSliceInput,
} from '../modules/endpoints.js';
import { createGatewayInput, listGatewaysQuery, updateListenersInput } from '../modules/gateways.js';
import { createPoolInput } from '../modules/pools.js';
import { diffRevisionsQuery, listRevisionsQuery, traceInput } from '../modules/revisions.js';
import { listRoutesQuery, updateRouteInput, upsertRouteInput } from '../modules/routes.js';
import { createTemplateInput, updateTemplateInput } from '../modules/templates.js';
import type { Services } from '../services.js';
import { issueXdsTokenInput, revokeXdsTokensInput } from '../xds/bootstrap-service.js';
import type { RestRoute } from './rest.js';

/** Every REST route of /api/v1. Handlers only adapt HTTP to the service layer. */
export function restRoutes(s: Services): RestRoute[] {
  const created = <T extends { created: boolean }>(reply: { code(n: number): unknown }, r: T) => {
    reply.code(r.created ? 201 : 200);
    return r;
  };
  return [
    {
      method: 'GET',
      path: '/whoami',
      tag: 'accounts',
      summary: 'The caller: account and role of the API key',
      handler: async ({ meta }) => meta.principal,
    },

    {
      method: 'POST',
      path: '/accounts',
      tag: 'accounts',
      summary: 'Create an account and its first owner API key (platform operators)',
      body: createAccountInput,
      status: 201,
      handler: ({ meta, body }) => s.accounts.create(meta, body),
    },
    {
      method: 'GET',
      path: '/accounts',
      tag: 'accounts',
      summary: 'List the accounts the caller can see',
      handler: async ({ meta }) => ({ items: await s.accounts.list(meta) }),
    },
    {
      method: 'GET',
      path: '/accounts/:id',
      tag: 'accounts',
      summary: 'Get an account',
      handler: ({ meta, params }) => s.accounts.get(meta, params.id!),
    },
    {
      method: 'PATCH',
      path: '/accounts/:id',
      tag: 'accounts',
      summary: 'Update an account (quota: platform operators)',
      body: updateAccountInput,
      handler: ({ meta, params, body }) => s.accounts.update(meta, params.id!, body),
    },
    {
      method: 'GET',
      path: '/accounts/:id/memberships',
      tag: 'accounts',
      summary: 'List the members of an account',
      handler: async ({ meta, params }) => ({ items: await s.accounts.listMemberships(meta, params.id!) }),
    },
    {
      method: 'POST',
      path: '/accounts/:id/memberships',
      tag: 'accounts',
      summary: 'Add a member (or change their role)',
      body: addMembershipInput,
      status: 201,
      handler: ({ meta, params, body }) => s.accounts.addMembership(meta, params.id!, body),
    },
    {
      method: 'DELETE',
      path: '/accounts/:id/memberships/:membershipId',
      tag: 'accounts',
      summary: 'Remove a member',
      status: 204,
      handler: ({ meta, params }) => s.accounts.removeMembership(meta, params.id!, params.membershipId!),
    },

    {
      method: 'POST',
      path: '/api-keys',
      tag: 'api-keys',
      summary: 'Create an API key; the secret is shown only in this response',
      body: createApiKeyInput,
      status: 201,
      handler: ({ meta, body }) => s.apiKeys.create(meta, body),
    },
    {
      method: 'GET',
      path: '/api-keys',
      tag: 'api-keys',
      summary: 'List API keys (never their secrets)',
      handler: async ({ meta }) => ({ items: await s.apiKeys.list(meta) }),
    },
    {
      method: 'DELETE',
      path: '/api-keys/:id',
      tag: 'api-keys',
      summary: 'Revoke an API key',
      handler: ({ meta, params }) => s.apiKeys.revoke(meta, params.id!),
    },

    {
      method: 'POST',
      path: '/clusters',
      tag: 'clusters',
      summary: 'Register a workload cluster',
      body: createClusterInput,
      status: 201,
      handler: ({ meta, body }) => s.clusters.create(meta, body),
    },
    {
      method: 'GET',
      path: '/clusters',
      tag: 'clusters',
      summary: 'List workload clusters',
      handler: async ({ meta }) => ({ items: await s.clusters.list(meta) }),
    },
    {
      method: 'GET',
      path: '/clusters/:id',
      tag: 'clusters',
      summary: 'Get a workload cluster',
      handler: ({ meta, params }) => s.clusters.get(meta, params.id!),
    },
    {
      method: 'DELETE',
      path: '/clusters/:id',
      tag: 'clusters',
      summary: 'Remove a workload cluster',
      status: 204,
      handler: ({ meta, params }) => s.clusters.remove(meta, params.id!),
    },

    {
      method: 'POST',
      path: '/address-pools',
      tag: 'address-pools',
      summary: 'Create an address pool (global: platform operators)',
      body: createPoolInput,
      status: 201,
      handler: ({ meta, body }) => s.pools.create(meta, body),
    },
    {
      method: 'GET',
      path: '/address-pools',
      tag: 'address-pools',
      summary: "List the account's and the global address pools with their utilisation",
      handler: async ({ meta }) => ({ items: await s.pools.list(meta) }),
    },
    {
      method: 'GET',
      path: '/address-pools/:id',
      tag: 'address-pools',
      summary: 'Get an address pool',
      handler: ({ meta, params }) => s.pools.get(meta, params.id!),
    },
    {
      method: 'DELETE',
      path: '/address-pools/:id',
      tag: 'address-pools',
      summary: 'Delete an unused address pool',
      status: 204,
      handler: ({ meta, params }) => s.pools.remove(meta, params.id!),
    },

    {
      method: 'POST',
      path: '/templates',
      tag: 'templates',
      summary: 'Create a template',
      body: createTemplateInput,
      status: 201,
      handler: ({ meta, body }) => s.templates.create(meta, body),
    },
    {
      method: 'GET',
      path: '/templates',
      tag: 'templates',
      summary: 'List templates',
      handler: async ({ meta }) => ({ items: await s.templates.list(meta) }),
    },
    {
      method: 'GET',
      path: '/templates/:id',
      tag: 'templates',
      summary: 'Get a template',
      handler: ({ meta, params }) => s.templates.get(meta, params.id!),
    },
    {
      method: 'PUT',
      path: '/templates/:id',
      tag: 'templates',
      summary: 'Update a template',
      body: updateTemplateInput,
      handler: ({ meta, params, body }) => s.templates.update(meta, params.id!, body),
    },
    {
      method: 'DELETE',
      path: '/templates/:id',
      tag: 'templates',
      summary: 'Delete an unused template',
      status: 204,
      handler: ({ meta, params }) => s.templates.remove(meta, params.id!),
    },

    {
      method: 'POST',
      path: '/gateways',
      tag: 'gateways',
      summary: 'Create a gateway from a template (201), or update/join an existing one (200)',
      body: createGatewayInput,
      handler: async ({ meta, body, reply }) => {
        const r = await s.gateways.create(meta, body);
        created(reply, r);
        return r.gateway;
      },
    },
    {
      method: 'GET',
      path: '/gateways',
      tag: 'gateways',
      summary: 'List gateways (paginated, filterable)',
      query: listGatewaysQuery,
      handler: ({ meta, query }) => s.gateways.list(meta, query),
    },
    {
      method: 'GET',
      path: '/gateways/:id',
      tag: 'gateways',
      summary: 'Get a gateway',
      handler: ({ meta, params }) => s.gateways.get(meta, params.id!),
    },
    {
      method: 'PUT',
      path: '/gateways/:id/listeners',
      tag: 'gateways',
      summary: "Replace a gateway's listeners",
      body: updateListenersInput,
      handler: ({ meta, params, body }) => s.gateways.updateListeners(meta, params.id!, body),
    },
    {
      method: 'DELETE',
      path: '/gateways/:id',
      tag: 'gateways',
      summary: 'Delete a gateway and release its address',
      status: 204,
      handler: ({ meta, params }) => s.gateways.remove(meta, params.id!),
    },

    {
      method: 'GET',
      path: '/gateways/:id/revisions',
      tag: 'revisions',
      summary: "List the gateway's configuration revisions, newest first",
      query: listRevisionsQuery,
      handler: ({ meta, params, query }) => s.revisions.list(meta, params.id!, query),
    },
    {
      method: 'GET',
      path: '/gateways/:id/revisions/diff',
      tag: 'revisions',
      summary: 'What changed between two revisions, resource by resource',
      query: diffRevisionsQuery,
      handler: ({ meta, params, query }) => s.revisions.diff(meta, params.id!, query),
    },
    {
      method: 'GET',
      path: '/gateways/:id/revisions/:version',
      tag: 'revisions',
      summary: 'One revision with its Envoy resources (private keys redacted)',
      handler: ({ meta, params }) => s.revisions.get(meta, params.id!, params.version),
    },
    {
      method: 'POST',
      path: '/gateways/:id/revisions/:version/rollback',
      tag: 'revisions',
      summary: 'Serve an older revision again (as a new revision)',
      status: 201,
      handler: ({ meta, params }) => s.revisions.rollback(meta, params.id!, params.version),
    },
    {
      method: 'POST',
      path: '/gateways/:id/trace',
      tag: 'revisions',
      summary: "What the gateway's proxies would do with a request",
      body: traceInput,
      handler: ({ meta, params, body }) => s.revisions.trace(meta, params.id!, body),
    },
    {
      method: 'GET',
      path: '/gateways/:id/bootstrap',
      tag: 'gateways',
      summary:
        "Envoy bootstrap for the gateway's proxies (node id, xDS address and a fresh token); the x-epic-xds-token-expires-at header says when the token expires, x-epic-xds-token-refresh where the next one comes from (POST /gateways/{id}/xds-token)",
      handler: async ({ meta, params, reply }) => {
        const b = await s.bootstrap.bootstrapWithToken(meta, params.id!);
        reply.header('x-epic-xds-token-expires-at', b.expiresAt);
        reply.header('x-epic-xds-token-refresh', b.refresh);
        return b.bootstrap;
      },
    },
    {
      method: 'POST',
      path: '/gateways/:id/xds-token',
      tag: 'gateways',
      summary:
        "Issue a fresh xDS token for the gateway's proxies (Envoy and proxyless node ids) with its expiry; an open xDS stream ends when its token expires",
      body: issueXdsTokenInput,
      status: 201,
      handler: ({ meta, params, body }) => s.bootstrap.issueToken(meta, params.id!, body),
    },
    {
      method: 'POST',
      path: '/gateways/:id/xds-token/revoke',
      tag: 'gateways',
      summary:
        'Revoke every xDS token issued so far for the gateway and end the streams that use one, on every replica',
      body: revokeXdsTokensInput,
      handler: ({ meta, params, body }) => s.bootstrap.revokeTokens(meta, params.id!, body),
    },

    {
      method: 'POST',
      path: '/routes',
      tag: 'routes',
      summary: 'Create a route, or update the one with the same client uid',
      body: upsertRouteInput,
      handler: async ({ meta, body, reply }) => {
        const r = await s.routes.upsert(meta, body);
        created(reply, r);
        return r.route;
      },
    },
    {
      method: 'GET',
      path: '/routes',
      tag: 'routes',
      summary: 'List routes (paginated, filterable)',
      query: listRoutesQuery,
      handler: ({ meta, query }) => s.routes.list(meta, query),
    },
    {
      method: 'GET',
      path: '/routes/:id',
      tag: 'routes',
      summary: 'Get a route',
      handler: ({ meta, params }) => s.routes.get(meta, params.id!),
    },
    {
      method: 'PUT',
      path: '/routes/:id',
      tag: 'routes',
      summary: "Replace a route's spec",
      body: updateRouteInput,
      handler: ({ meta, params, body }) => s.routes.update(meta, params.id!, body),
    },
    {
      method: 'DELETE',
      path: '/routes/:id',
      tag: 'routes',
      summary: 'Delete a route',
      status: 204,
      handler: ({ meta, params }) => s.routes.remove(meta, params.id!),
    },

    {
      method: 'PUT',
      path: '/endpoint-slices',
      tag: 'endpoints',
      summary: 'Create or update an EndpointSlice by its client uid',
      body: upsertEndpointSliceInput,
      handler: async ({ meta, body, reply }) => {
        const r = await s.endpoints.upsert(meta, body);
        created(reply, r);
        return r.endpointSlice;
      },
    },
    {
      method: 'GET',
      path: '/endpoint-slices',
      tag: 'endpoints',
      summary: 'List EndpointSlices',
      query: listEndpointSlicesQuery,
      handler: ({ meta, query }) => s.endpoints.list(meta, query),
    },
    {
      method: 'GET',
      path: '/endpoint-slices/:id',
      tag: 'endpoints',
      summary: 'Get an EndpointSlice',
      handler: ({ meta, params }) => s.endpoints.get(meta, params.id!),
    },
    {
      method: 'DELETE',
      path: '/endpoint-slices/:id',
      tag: 'endpoints',
      summary: 'Delete an EndpointSlice',
      status: 204,
      handler: ({ meta, params }) => s.endpoints.remove(meta, params.id!),
    },
    {
      method: 'PUT',
      path: '/static-endpoints/:namespace/:service',
      tag: 'endpoints',
      summary: 'Set the static endpoints of a service (backends outside Kubernetes)',
      body: staticEndpointsInput,
      handler: ({ meta, params, body }) =>
        s.endpoints.setStatic(meta, params.namespace!, params.service!, body),
    },
    {
      method: 'DELETE',
      path: '/static-endpoints/:namespace/:service',
      tag: 'endpoints',
      summary: 'Remove the static endpoints of a service',
      status: 204,
      handler: ({ meta, params }) => s.endpoints.removeStatic(meta, params.namespace!, params.service!),
    },

    {
      method: 'PUT',
      path: '/services',
      tag: 'endpoints',
      summary: 'Create or update a Service (its ports) by client uid',
      body: upsertServiceInput,
      handler: async ({ meta, body, reply }) => {
        const r = await s.services.upsert(meta, body);
        created(reply, r);
        return r.item;
      },
    },
    {
      method: 'GET',
      path: '/services',
      tag: 'endpoints',
      summary: 'List Services',
      query: listClusterObjectsQuery,
      handler: ({ meta, query }) => s.services.list(meta, query),
    },
    {
      method: 'GET',
      path: '/services/:id',
      tag: 'endpoints',
      summary: 'Get a Service',
      handler: ({ meta, params }) => s.services.get(meta, params.id!),
    },
    {
      method: 'DELETE',
      path: '/services/:id',
      tag: 'endpoints',
      summary: 'Delete a Service',
      status: 204,
      handler: ({ meta, params }) => s.services.remove(meta, params.id!),
    },

    {
      method: 'PUT',
      path: '/reference-grants',
      tag: 'routes',
      summary: 'Create or update a ReferenceGrant by client uid',
      body: upsertReferenceGrantInput,
      handler: async ({ meta, body, reply }) => {
        const r = await s.referenceGrants.upsert(meta, body);
        created(reply, r);
        return r.item;
      },
    },
    {
      method: 'GET',
      path: '/reference-grants',
      tag: 'routes',
      summary: 'List ReferenceGrants',
      query: listClusterObjectsQuery,
      handler: ({ meta, query }) => s.referenceGrants.list(meta, query),
    },
    {
      method: 'GET',
      path: '/reference-grants/:id',
      tag: 'routes',
      summary: 'Get a ReferenceGrant',
      handler: ({ meta, params }) => s.referenceGrants.get(meta, params.id!),
    },
    {
      method: 'DELETE',
      path: '/reference-grants/:id',
      tag: 'routes',
      summary: 'Delete a ReferenceGrant',
      status: 204,
      handler: ({ meta, params }) => s.referenceGrants.remove(meta, params.id!),
    },

    {
      method: 'PUT',
      path: '/certificates',
      tag: 'certificates',
      summary: 'Create or replace a TLS certificate and key (the key is stored encrypted and never returned)',
      body: upsertCertificateInput,
      handler: async ({ meta, body, reply }) => {
        const r = await s.certificates.upsert(meta, body);
        created(reply, r);
        return r.item;
      },
    },
    {
      method: 'GET',
      path: '/certificates',
      tag: 'certificates',
      summary: 'List certificates (never their keys)',
      handler: async ({ meta }) => ({ items: await s.certificates.list(meta) }),
    },
    {
      method: 'GET',
      path: '/certificates/:id',
      tag: 'certificates',
      summary: 'Get a certificate',
      handler: ({ meta, params }) => s.certificates.get(meta, params.id!),
    },
    {
      method: 'DELETE',
      path: '/certificates/:id',
      tag: 'certificates',
      summary: 'Delete a certificate',
      status: 204,
      handler: ({ meta, params }) => s.certificates.remove(meta, params.id!),
    },

    {
      method: 'GET',
      path: '/audit-events',
      tag: 'audit',
      summary: "The account's audit log, oldest first (paginated)",
      query: listAuditQuery,
      handler: ({ meta, query }) => s.audit.list(meta, query),
    },
  ];
}
