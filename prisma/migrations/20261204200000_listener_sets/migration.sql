-- Gateway API ListenerSets (GEP-1713): listeners attached to a parent Gateway (docs/adr/0463-listener-sets-api.md).
CREATE TABLE "ListenerSet" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID,
    "clientUid" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "clientGeneration" INTEGER,
    "creationTimestamp" TIMESTAMP(3),
    "status" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ListenerSet_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "ListenerSet_accountId_namespace_name_idx" ON "ListenerSet"("accountId", "namespace", "name");
CREATE UNIQUE INDEX "ListenerSet_accountId_clientUid_key" ON "ListenerSet"("accountId", "clientUid");
ALTER TABLE "ListenerSet" ADD CONSTRAINT "ListenerSet_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Gateway spec.allowedListeners: which namespaces' ListenerSets may attach (null: none).
ALTER TABLE "Gateway" ADD COLUMN "allowedListeners" JSONB;
