-- CreateTable
CREATE TABLE "BackendTlsPolicy" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID,
    "clientUid" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "creationTimestamp" TIMESTAMP(3),
    "status" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BackendTlsPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "BackendTlsPolicy_accountId_namespace_name_idx" ON "BackendTlsPolicy"("accountId", "namespace", "name");

-- CreateIndex
CREATE UNIQUE INDEX "BackendTlsPolicy_accountId_clientUid_key" ON "BackendTlsPolicy"("accountId", "clientUid");

-- AddForeignKey
ALTER TABLE "BackendTlsPolicy" ADD CONSTRAINT "BackendTlsPolicy_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

