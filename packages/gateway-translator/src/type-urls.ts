// Type URLs of the resources and extensions stage 2 emits (Envoy v3 API).
const T = 'type.googleapis.com/';

export const TypeUrl = {
  Listener: `${T}envoy.config.listener.v3.Listener`,
  RouteConfiguration: `${T}envoy.config.route.v3.RouteConfiguration`,
  Cluster: `${T}envoy.config.cluster.v3.Cluster`,
  ClusterLoadAssignment: `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  Secret: `${T}envoy.extensions.transport_sockets.tls.v3.Secret`,
} as const;

export const ExtensionType = {
  HttpConnectionManager: `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  TcpProxy: `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  Router: `${T}envoy.extensions.filters.http.router.v3.Router`,
  Cors: `${T}envoy.extensions.filters.http.cors.v3.Cors`,
  CorsPolicy: `${T}envoy.extensions.filters.http.cors.v3.CorsPolicy`,
  TlsInspector: `${T}envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  DownstreamTlsContext: `${T}envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  UpstreamTlsContext: `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  HttpProtocolOptions: `${T}envoy.extensions.upstreams.http.v3.HttpProtocolOptions`,
  StatefulSession: `${T}envoy.extensions.filters.http.stateful_session.v3.StatefulSession`,
  StatefulSessionPerRoute: `${T}envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute`,
  CookieBasedSessionState: `${T}envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState`,
  HeaderBasedSessionState: `${T}envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState`,
  UdpProxy: `${T}envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig`,
  UdpProxyRoute: `${T}envoy.extensions.filters.udp.udp_proxy.v3.Route`,
} as const;
