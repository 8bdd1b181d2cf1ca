// A throwaway PKI made with the openssl CLI: one CA, a server certificate for 127.0.0.1 and client certificates
// whose URI SAN names a gateway (spiffe://epic/<account>/<gateway>).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pki {
  ca: Buffer;
  server: { cert: Buffer; key: Buffer };
  client(account: string, gateway: string): { cert: Buffer; key: Buffer };
  cleanup(): void;
}

export function createPki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'epic-xds-pki-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=epic-test-ca',
  );
  const issue = (name: string, subject: string, san: string): { cert: Buffer; key: Buffer } => {
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
    return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
  };
  const server = issue('server', '/CN=xds', 'IP:127.0.0.1,DNS:localhost');
  return {
    ca: readFileSync(join(dir, 'ca.crt')),
    server,
    client: (account, gateway) =>
      issue(`${account}-${gateway}`, `/CN=${account}.${gateway}`, `URI:spiffe://epic/${account}/${gateway}`),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
