-- AlterTable
ALTER TABLE "AddressPool" ADD COLUMN     "skipNetworkAndBroadcast" BOOLEAN NOT NULL DEFAULT true;


-- Existing pools skip their network and broadcast addresses from now on too; addresses already handed out
-- stay where they are (allocation never moves a gateway's address).

-- Gateways created through the API (no workload cluster) are unique by (account, namespace, name), as Gateway
-- API objects are. Prisma cannot declare a partial index: it lives here only (see schema.prisma).
DO $$
DECLARE n int;
BEGIN
  SELECT count(*) INTO n FROM (
    SELECT 1 FROM "GatewayClient" WHERE "clusterId" IS NULL
    GROUP BY "accountId", namespace, name HAVING count(*) > 1) d;
  IF n > 0 THEN
    RAISE EXCEPTION '% (account, namespace, name) groups of gateways created through the API have more than one gateway; delete or recreate the extra ones before this migration: SELECT "accountId", namespace, name, array_agg("gatewayId") FROM "GatewayClient" WHERE "clusterId" IS NULL GROUP BY 1, 2, 3 HAVING count(*) > 1', n;
  END IF;
END $$;

CREATE UNIQUE INDEX "GatewayClient_api_namespace_name_key" ON "GatewayClient"("accountId", "namespace", "name")
  WHERE "clusterId" IS NULL;
