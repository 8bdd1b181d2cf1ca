-- AlterTable
ALTER TABLE "EpicNode" ADD COLUMN     "addresses" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "asn" BIGINT,
ADD COLUMN     "bgpPeers" JSONB NOT NULL DEFAULT '[]',
ADD COLUMN     "draining" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "routerId" TEXT,
ADD COLUMN     "tokenHash" TEXT,
ADD COLUMN     "tokenPrefix" TEXT,
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ALTER COLUMN "address" DROP NOT NULL;

-- AlterTable
-- The provisioner's migration (wip/prov, 20261203124500_fleet_provisioning) adds the same column; whichever
-- runs first creates it.
ALTER TABLE "ProxyInstance" ADD COLUMN IF NOT EXISTS "ready" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE UNIQUE INDEX "EpicNode_tokenPrefix_key" ON "EpicNode"("tokenPrefix");


-- A node recorded before this migration keeps its one address as its address list.
UPDATE "EpicNode" SET "addresses" = ARRAY["address"] WHERE "address" IS NOT NULL;

-- Tunnel.key is sealed at rest from now on (AES-256-GCM with the API's SECRET_KEY, which SQL does not have):
-- rows still holding plain hex are sealed by the API at start-up (apps/api/src/modules/tunnel-keys.ts).
