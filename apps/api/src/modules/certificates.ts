import { X509Certificate, createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { requireRole, tenant } from '../auth/principal.js';
import { AppError } from '../lib/errors.js';
import { seal } from '../lib/secret-box.js';
import { parseInput } from '../lib/validate.js';
import {
  audit,
  dnsLabel,
  dnsSubdomain,
  enqueueReconcile,
  uuid,
  type CallMeta,
  type ServiceDeps,
} from './common.js';

const pem = (label: string) =>
  z
    .string()
    .min(1)
    .max(64 * 1024)
    .regex(new RegExp(`-----BEGIN [A-Z ]*${label}-----`), `must be a PEM ${label.toLowerCase()}`);
export const upsertCertificateInput = z.strictObject({
  namespace: dnsLabel.default('default'),
  name: dnsSubdomain,
  certificate: pem('CERTIFICATE').describe('PEM certificate chain, leaf first'),
  privateKey: pem('PRIVATE KEY').describe('PEM private key; stored encrypted, never returned'),
});

const view = {
  id: true,
  namespace: true,
  name: true,
  certificate: true,
  createdAt: true,
  updatedAt: true,
} as const;

function describeCert(pemText: string) {
  const x = new X509Certificate(pemText);
  return {
    subject: x.subject,
    subjectAltName: x.subjectAltName ?? null,
    validFrom: x.validFrom,
    validTo: x.validTo,
    fingerprint256: x.fingerprint256,
  };
}

/** Account-owned TLS certificates that HTTPS/TLS listeners reference as Secrets (namespace/name). */
export function certificatesService({ db, secretKey }: ServiceDeps & { secretKey: Buffer }) {
  const present = (c: { certificate: string } & Record<string, unknown>) => ({
    ...c,
    ...describeCert(c.certificate),
  });
  return {
    async upsert(meta: CallMeta, input: unknown) {
      requireRole(meta.principal, 'admin');
      const d = parseInput(upsertCertificateInput, input);
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(d.certificate);
      } catch (e) {
        throw AppError.field('certificate', `not a valid X.509 certificate: ${(e as Error).message}`);
      }
      try {
        if (!cert.checkPrivateKey(createPrivateKey(d.privateKey)))
          throw AppError.field('privateKey', 'does not match the certificate');
      } catch (e) {
        if (e instanceof AppError) throw e;
        throw AppError.field('privateKey', `not a valid private key: ${(e as Error).message}`);
      }
      const p = meta.principal;
      return db.$transaction(async (tx) => {
        const prior = await tx.certificate.findUnique({
          where: {
            accountId_namespace_name: { accountId: p.accountId, namespace: d.namespace, name: d.name },
          },
        });
        const row = await tx.certificate.upsert({
          where: {
            accountId_namespace_name: { accountId: p.accountId, namespace: d.namespace, name: d.name },
          },
          create: {
            ...tenant(p),
            namespace: d.namespace,
            name: d.name,
            certificate: d.certificate,
            encryptedKey: seal(secretKey, d.privateKey),
          },
          update: { certificate: d.certificate, encryptedKey: seal(secretKey, d.privateKey) },
          select: view,
        });
        // Gateways whose listeners reference it re-render (their SDS secret changes).
        const users = await tx.$queryRaw<Array<{ id: string }>>`
          SELECT g.id FROM "Gateway" g WHERE g."accountId" = ${p.accountId}::uuid
            AND jsonb_path_exists(g.listeners, '$[*].tls.certificateRefs[*] ? (@.name == $n)', jsonb_build_object('n', ${d.name}::text))`;
        await enqueueReconcile(
          tx,
          users.map((u) => u.id),
        );
        await audit(tx, meta, prior ? 'certificate.update' : 'certificate.create', 'Certificate', row.id, {
          namespace: d.namespace,
          name: d.name,
        });
        return { item: present(row), created: !prior };
      });
    },
    async list(meta: CallMeta) {
      const rows = await db.certificate.findMany({
        where: tenant(meta.principal),
        select: view,
        orderBy: [{ namespace: 'asc' }, { name: 'asc' }],
      });
      return rows.map(present);
    },
    async get(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      const row = await db.certificate.findFirst({ where: { ...tenant(meta.principal), id }, select: view });
      if (!row) throw AppError.notFound('certificate', id);
      return present(row);
    },
    async remove(meta: CallMeta, id: string) {
      parseInput(uuid, id, 'id');
      requireRole(meta.principal, 'admin');
      await db.$transaction(async (tx) => {
        const row = await tx.certificate.findFirst({ where: { ...tenant(meta.principal), id } });
        if (!row) throw AppError.notFound('certificate', id);
        await tx.certificate.delete({ where: { id } });
        await audit(tx, meta, 'certificate.delete', 'Certificate', id, {
          namespace: row.namespace,
          name: row.name,
        });
      });
    },
  };
}
