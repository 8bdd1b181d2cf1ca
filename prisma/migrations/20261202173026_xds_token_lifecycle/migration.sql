-- AlterTable
ALTER TABLE "Gateway" ADD COLUMN     "xdsTokenGeneration" INTEGER NOT NULL DEFAULT 1;


-- Every replica's xDS plane LISTENs on epic_revision and re-derives what it serves for the gateway named in the
-- payload. A deleted gateway (directly or through its account's cascade) must leave every replica's xDS cache
-- and close its proxies' streams, whatever path deleted the row: a trigger, like the counters of the init
-- migration, so no delete path can forget it.
CREATE FUNCTION epic_notify_gateway_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('epic_revision', OLD.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER "Gateway_deleted_notify" AFTER DELETE ON "Gateway" FOR EACH ROW EXECUTE FUNCTION epic_notify_gateway_deleted();
