// grpc-js does not export its AuthContext type from the package root; this is the part we read.
import type { PeerCertificate } from 'node:tls';

export interface PeerAuthContext {
  transportSecurityType?: string;
  sslPeerCertificate?: PeerCertificate;
}
