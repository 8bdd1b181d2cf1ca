-- CA bundles (a ConfigMap's or Secret's ca.crt) that Gateway spec.tls client-certificate validation names.
CREATE TABLE "CaBundle" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID,
    "clientUid" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "caCertificate" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CaBundle_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "CaBundle_accountId_namespace_name_idx" ON "CaBundle"("accountId", "namespace", "name");
CREATE UNIQUE INDEX "CaBundle_accountId_clientUid_key" ON "CaBundle"("accountId", "clientUid");
ALTER TABLE "CaBundle" ADD CONSTRAINT "CaBundle_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Gateway spec.tls (frontend client-certificate validation, backend client certificate).
ALTER TABLE "Gateway" ADD COLUMN "tls" JSONB;
