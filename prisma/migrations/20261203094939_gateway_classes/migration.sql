-- CreateTable
CREATE TABLE "GatewayClass" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID,
    "clientUid" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "GatewayClass_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "GatewayClass_accountId_name_idx" ON "GatewayClass"("accountId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "GatewayClass_accountId_clientUid_key" ON "GatewayClass"("accountId", "clientUid");

-- AddForeignKey
ALTER TABLE "GatewayClass" ADD CONSTRAINT "GatewayClass_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

