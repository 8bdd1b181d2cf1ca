-- Fleet provisioning (packages/infra-translator, apps/api/src/provisioner): the template's fleet settings, the
-- Gateway's spec.infrastructure, and each proxy's readiness as the provisioner reads it back.
ALTER TABLE "Template" ADD COLUMN "infrastructure" JSONB NOT NULL DEFAULT '{}';
-- Gateway.infrastructure (spec.infrastructure as stored by the API) comes from 20261203123100_gateway_addresses_infrastructure.
-- The EPIC-node API adds the same column (20261203123000_epic_nodes); whichever runs first creates it.
ALTER TABLE "ProxyInstance" ADD COLUMN IF NOT EXISTS "ready" BOOLEAN NOT NULL DEFAULT false;
