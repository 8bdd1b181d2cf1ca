-- Gateway spec.addresses and spec.infrastructure, and what address management made of each requested address.
ALTER TABLE "Gateway" ADD COLUMN "addresses" JSONB;
ALTER TABLE "Gateway" ADD COLUMN "infrastructure" JSONB;
ALTER TABLE "Gateway" ADD COLUMN "addressOutcomes" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "Gateway" ADD COLUMN "statusAddresses" JSONB NOT NULL DEFAULT '[]';

-- Gateways made before: their allocated address and DNS name are what they are bound to.
UPDATE "Gateway" SET "statusAddresses" =
  (CASE WHEN address IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('type', 'IPAddress', 'value', address)) END)
  || (CASE WHEN "dnsName" IS NULL THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('type', 'Hostname', 'value', "dnsName")) END);
