-- CreateTable
CREATE TABLE "Namespace" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID,
    "clientUid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Namespace_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Namespace_accountId_name_idx" ON "Namespace"("accountId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Namespace_accountId_clientUid_key" ON "Namespace"("accountId", "clientUid");

-- AddForeignKey
ALTER TABLE "Namespace" ADD CONSTRAINT "Namespace_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

