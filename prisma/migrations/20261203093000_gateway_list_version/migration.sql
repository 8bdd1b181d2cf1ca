-- CreateTable
CREATE TABLE "GatewayListVersion" (
    "accountId" UUID NOT NULL,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "GatewayListVersion_pkey" PRIMARY KEY ("accountId")
);

-- AddForeignKey
ALTER TABLE "GatewayListVersion" ADD CONSTRAINT "GatewayListVersion_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- What a gateway page shows comes from Gateway, GatewayClient, AddressAllocation (the pool) and Template (its
-- name). Every committed change to them moves the account's version forward, whatever path wrote the rows,
-- cascades included: a page read in the same statement as version v is still current while the version is v,
-- so the API keeps the page and answers it again after one primary-key read (modules/gateway-page-cache.ts).
-- The triggers are deferred to commit: the version row is then the last lock a transaction takes, so a
-- transaction waiting for it holds nothing another one needs before committing (no new deadlock), and a
-- transaction that writes many rows of one account bumps a row it already holds.
CREATE SEQUENCE epic_gateway_list_version;

CREATE FUNCTION epic_bump_gateway_list(account uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- Once per transaction and account: the bump of this transaction already covers its later rows (they all
  -- become visible at its commit), and updating one row again and again in one transaction walks a longer
  -- chain of its versions each time (10,000 rows written at once would take minutes).
  PERFORM 1 FROM "GatewayListVersion" v WHERE v."accountId" = account AND v.xmin = pg_current_xact_id()::xid;
  IF FOUND THEN RETURN; END IF;
  -- From one sequence: a version is never given twice, even to a row deleted and made again.
  INSERT INTO "GatewayListVersion" ("accountId", version)
  SELECT a.id, nextval('epic_gateway_list_version') FROM "Account" a WHERE a.id = account
  ON CONFLICT ("accountId") DO UPDATE SET version = EXCLUDED.version;
END $$;

CREATE FUNCTION epic_gateway_list_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'Gateway' THEN
    IF TG_OP <> 'INSERT' THEN PERFORM epic_bump_gateway_list(OLD."accountId"); END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW."accountId" IS DISTINCT FROM OLD."accountId") THEN
      PERFORM epic_bump_gateway_list(NEW."accountId");
    END IF;
  ELSIF TG_TABLE_NAME = 'Template' THEN
    PERFORM epic_bump_gateway_list(a."accountId")
    FROM (SELECT DISTINCT g."accountId" FROM "Gateway" g WHERE g."templateId" = NEW.id) a;
  ELSE
    -- GatewayClient, AddressAllocation: the account of the gateway the row belongs (or belonged) to.
    IF TG_OP <> 'INSERT' AND OLD."gatewayId" IS NOT NULL THEN
      PERFORM epic_bump_gateway_list(g."accountId") FROM "Gateway" g WHERE g.id = OLD."gatewayId";
    END IF;
    IF TG_OP <> 'DELETE' AND NEW."gatewayId" IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW."gatewayId" IS DISTINCT FROM OLD."gatewayId") THEN
      PERFORM epic_bump_gateway_list(g."accountId") FROM "Gateway" g WHERE g.id = NEW."gatewayId";
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER "Gateway_list_version" AFTER INSERT OR UPDATE OR DELETE ON "Gateway"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION epic_gateway_list_changed();
CREATE CONSTRAINT TRIGGER "GatewayClient_list_version" AFTER INSERT OR UPDATE OR DELETE ON "GatewayClient"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION epic_gateway_list_changed();
CREATE CONSTRAINT TRIGGER "AddressAllocation_list_version" AFTER INSERT OR UPDATE OR DELETE ON "AddressAllocation"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION epic_gateway_list_changed();
CREATE CONSTRAINT TRIGGER "Template_list_version" AFTER UPDATE OF name ON "Template"
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION epic_gateway_list_changed();

-- TRUNCATE fires no row trigger: every account's version moves.
CREATE FUNCTION epic_gateway_lists_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "GatewayListVersion" SET version = nextval('epic_gateway_list_version');
  RETURN NULL;
END $$;
CREATE TRIGGER "Gateway_list_truncated" AFTER TRUNCATE ON "Gateway"
  FOR EACH STATEMENT EXECUTE FUNCTION epic_gateway_lists_truncated();
CREATE TRIGGER "GatewayClient_list_truncated" AFTER TRUNCATE ON "GatewayClient"
  FOR EACH STATEMENT EXECUTE FUNCTION epic_gateway_lists_truncated();
CREATE TRIGGER "AddressAllocation_list_truncated" AFTER TRUNCATE ON "AddressAllocation"
  FOR EACH STATEMENT EXECUTE FUNCTION epic_gateway_lists_truncated();
