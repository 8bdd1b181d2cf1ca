import { protoDuration } from './duration.js';
import type { IRRouteConfig, IRSessionPersistence } from './ir.js';
import type { JsonObject } from './json.js';
import { ExtensionType } from './type-urls.js';

// GEP-1619 session persistence on Envoy (docs/adr/0461-udp-route-and-session-persistence.md): the
// stateful_session HTTP filter sits in the HCM, disabled (no session state), whenever a route of the chain
// asks for persistence; each such route enables it through typed_per_filter_config with a cookie- or
// header-based session state.

export const HTTP_FILTER_STATEFUL_SESSION = 'envoy.filters.http.stateful_session';

export function needsStatefulSession(rc: IRRouteConfig): boolean {
  return rc.virtualHosts.some((vh) => vh.routes.some((r) => r.sessionPersistence !== undefined));
}

/** The HCM's filter: no session state of its own, so routes without persistence are untouched. */
export function statefulSessionFilter(): JsonObject {
  return { name: HTTP_FILTER_STATEFUL_SESSION, typedConfig: { '@type': ExtensionType.StatefulSession } };
}

/** A route's StatefulSessionPerRoute. */
export function statefulSessionPerRoute(sp: IRSessionPersistence): JsonObject {
  const sessionState: JsonObject =
    sp.type === 'Header'
      ? {
          name: 'envoy.http.stateful_session.header',
          typedConfig: { '@type': ExtensionType.HeaderBasedSessionState, name: sp.name },
        }
      : {
          name: 'envoy.http.stateful_session.cookie',
          typedConfig: {
            '@type': ExtensionType.CookieBasedSessionState,
            // ttl 0s: a session cookie (no Expires/Max-Age).
            cookie: { name: sp.name, path: '/', ttl: protoDuration(sp.ttlMillis ?? 0) },
          },
        };
  return { '@type': ExtensionType.StatefulSessionPerRoute, statefulSession: { sessionState } };
}
