-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('owner', 'admin', 'viewer');

-- CreateEnum
CREATE TYPE "IpFamily" AS ENUM ('ipv4', 'ipv6');

-- CreateEnum
CREATE TYPE "RouteKind" AS ENUM ('HTTPRoute', 'TCPRoute', 'GRPCRoute', 'TLSRoute');

-- CreateEnum
CREATE TYPE "RevisionStatus" AS ENUM ('pending', 'acked', 'tainted');

-- CreateTable
CREATE TABLE "Account" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "system" BOOLEAN NOT NULL DEFAULT false,
    "gatewayQuota" INTEGER NOT NULL DEFAULT 100,
    "gatewayCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "login" TEXT NOT NULL,
    "displayName" TEXT,
    "email" TEXT,
    "avatarUrl" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Membership" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Membership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Identity" (
    "id" UUID NOT NULL,
    "provider" TEXT NOT NULL,
    "providerId" TEXT NOT NULL,
    "userId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Identity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cluster" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AddressPool" (
    "id" UUID NOT NULL,
    "accountId" UUID,
    "name" TEXT NOT NULL,
    "family" "IpFamily" NOT NULL,
    "spec" TEXT NOT NULL,
    "firstAddress" TEXT NOT NULL,
    "lastAddress" TEXT NOT NULL,
    "size" DECIMAL(40,0) NOT NULL,
    "aggregation" INTEGER NOT NULL,
    "allocated" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AddressPool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AddressAllocation" (
    "id" UUID NOT NULL,
    "poolId" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "ordinal" DECIMAL(40,0) NOT NULL,
    "address" TEXT NOT NULL,
    "gatewayId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AddressAllocation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Template" (
    "id" UUID NOT NULL,
    "accountId" UUID,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "poolName" TEXT NOT NULL,
    "envoyImage" TEXT NOT NULL DEFAULT 'envoyproxy/envoy:v1.36.2',
    "replicas" INTEGER NOT NULL DEFAULT 2,
    "allowSharing" BOOLEAN NOT NULL DEFAULT false,
    "dnsNameTemplate" TEXT NOT NULL,
    "envoyFragments" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Template_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Gateway" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "templateId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "namespace" TEXT NOT NULL DEFAULT 'default',
    "sharingKey" TEXT,
    "listeners" JSONB NOT NULL,
    "address" TEXT,
    "dnsName" TEXT,
    "conditions" JSONB NOT NULL DEFAULT '[]',
    "listenerStatus" JSONB NOT NULL DEFAULT '[]',
    "generation" INTEGER NOT NULL DEFAULT 1,
    "observedGeneration" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Gateway_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "GatewayClient" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "gatewayId" UUID NOT NULL,
    "clusterId" UUID,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "clientUid" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GatewayClient_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Route" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "kind" "RouteKind" NOT NULL,
    "clusterId" UUID,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "clientUid" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "status" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Route_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RouteParent" (
    "routeId" UUID NOT NULL,
    "gatewayId" UUID NOT NULL,
    "refIndex" INTEGER NOT NULL,

    CONSTRAINT "RouteParent_pkey" PRIMARY KEY ("routeId","gatewayId","refIndex")
);

-- CreateTable
CREATE TABLE "EndpointSlice" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID,
    "clientUid" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "serviceName" TEXT NOT NULL,
    "addressType" TEXT NOT NULL DEFAULT 'IPv4',
    "static" BOOLEAN NOT NULL DEFAULT false,
    "ports" JSONB NOT NULL,
    "endpoints" JSONB NOT NULL,
    "nodeAddresses" JSONB NOT NULL DEFAULT '{}',
    "generation" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EndpointSlice_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Service" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID,
    "clientUid" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "ports" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReferenceGrant" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "clusterId" UUID,
    "clientUid" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "spec" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReferenceGrant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EpicNode" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EpicNode_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Tunnel" (
    "id" UUID NOT NULL,
    "tunnelId" INTEGER NOT NULL,
    "gatewayId" UUID NOT NULL,
    "epicNodeId" UUID NOT NULL,
    "clientNode" TEXT NOT NULL,
    "localAddress" TEXT NOT NULL,
    "localPort" INTEGER NOT NULL DEFAULT 6080,
    "remoteAddress" TEXT,
    "remotePort" INTEGER,
    "key" TEXT NOT NULL,
    "lastKeepaliveAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Tunnel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProxyInstance" (
    "id" UUID NOT NULL,
    "gatewayId" UUID NOT NULL,
    "epicNodeId" UUID,
    "podName" TEXT NOT NULL,
    "nodeAddress" TEXT,
    "vethIfindex" INTEGER,
    "xdsConnected" BOOLEAN NOT NULL DEFAULT false,
    "ackedVersion" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProxyInstance_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ConfigRevision" (
    "id" UUID NOT NULL,
    "gatewayId" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "hash" TEXT NOT NULL,
    "inputHash" TEXT,
    "resources" JSONB NOT NULL,
    "typeVersions" JSONB NOT NULL DEFAULT '{}',
    "status" "RevisionStatus" NOT NULL DEFAULT 'pending',
    "error" TEXT,
    "rollbackOf" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConfigRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Certificate" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "namespace" TEXT NOT NULL DEFAULT 'default',
    "name" TEXT NOT NULL,
    "certificate" TEXT NOT NULL,
    "encryptedKey" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Certificate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" UUID NOT NULL,
    "accountId" UUID NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "objectKind" TEXT NOT NULL,
    "objectId" TEXT,
    "requestId" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconcileRequest" (
    "id" BIGSERIAL NOT NULL,
    "gatewayId" UUID NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReconcileRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Account_name_key" ON "Account"("name");

-- CreateIndex
CREATE UNIQUE INDEX "User_login_key" ON "User"("login");

-- CreateIndex
CREATE UNIQUE INDEX "Membership_accountId_userId_key" ON "Membership"("accountId", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "Identity_provider_providerId_key" ON "Identity"("provider", "providerId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE INDEX "ApiKey_accountId_idx" ON "ApiKey"("accountId");

-- CreateIndex
CREATE UNIQUE INDEX "Cluster_accountId_name_key" ON "Cluster"("accountId", "name");

-- CreateIndex
CREATE INDEX "AddressPool_accountId_name_idx" ON "AddressPool"("accountId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "AddressAllocation_gatewayId_key" ON "AddressAllocation"("gatewayId");

-- CreateIndex
CREATE UNIQUE INDEX "AddressAllocation_poolId_ordinal_key" ON "AddressAllocation"("poolId", "ordinal");

-- CreateIndex
CREATE UNIQUE INDEX "AddressAllocation_poolId_address_key" ON "AddressAllocation"("poolId", "address");

-- CreateIndex
CREATE UNIQUE INDEX "Template_accountId_name_key" ON "Template"("accountId", "name");

-- CreateIndex
CREATE INDEX "Gateway_accountId_createdAt_id_idx" ON "Gateway"("accountId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Gateway_accountId_sharingKey_key" ON "Gateway"("accountId", "sharingKey");

-- CreateIndex
CREATE INDEX "GatewayClient_accountId_namespace_name_idx" ON "GatewayClient"("accountId", "namespace", "name");

-- CreateIndex
CREATE INDEX "GatewayClient_gatewayId_idx" ON "GatewayClient"("gatewayId");

-- CreateIndex
CREATE UNIQUE INDEX "GatewayClient_accountId_clientUid_key" ON "GatewayClient"("accountId", "clientUid");

-- CreateIndex
CREATE INDEX "Route_accountId_createdAt_id_idx" ON "Route"("accountId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Route_accountId_clientUid_key" ON "Route"("accountId", "clientUid");

-- CreateIndex
CREATE INDEX "RouteParent_gatewayId_idx" ON "RouteParent"("gatewayId");

-- CreateIndex
CREATE INDEX "EndpointSlice_accountId_namespace_serviceName_idx" ON "EndpointSlice"("accountId", "namespace", "serviceName");

-- CreateIndex
CREATE UNIQUE INDEX "EndpointSlice_accountId_clientUid_key" ON "EndpointSlice"("accountId", "clientUid");

-- CreateIndex
CREATE INDEX "Service_accountId_namespace_name_idx" ON "Service"("accountId", "namespace", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Service_accountId_clientUid_key" ON "Service"("accountId", "clientUid");

-- CreateIndex
CREATE INDEX "ReferenceGrant_accountId_namespace_idx" ON "ReferenceGrant"("accountId", "namespace");

-- CreateIndex
CREATE UNIQUE INDEX "ReferenceGrant_accountId_clientUid_key" ON "ReferenceGrant"("accountId", "clientUid");

-- CreateIndex
CREATE UNIQUE INDEX "EpicNode_name_key" ON "EpicNode"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Tunnel_tunnelId_key" ON "Tunnel"("tunnelId");

-- CreateIndex
CREATE UNIQUE INDEX "Tunnel_gatewayId_clientNode_epicNodeId_key" ON "Tunnel"("gatewayId", "clientNode", "epicNodeId");

-- CreateIndex
CREATE UNIQUE INDEX "ProxyInstance_gatewayId_podName_key" ON "ProxyInstance"("gatewayId", "podName");

-- CreateIndex
CREATE UNIQUE INDEX "ConfigRevision_gatewayId_version_key" ON "ConfigRevision"("gatewayId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Certificate_accountId_namespace_name_key" ON "Certificate"("accountId", "namespace", "name");

-- CreateIndex
CREATE INDEX "AuditEvent_accountId_createdAt_id_idx" ON "AuditEvent"("accountId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ReconcileRequest_gatewayId_id_idx" ON "ReconcileRequest"("gatewayId", "id");

-- CreateIndex
CREATE INDEX "ReconcileRequest_requestedAt_idx" ON "ReconcileRequest"("requestedAt");

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Membership" ADD CONSTRAINT "Membership_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Identity" ADD CONSTRAINT "Identity_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Cluster" ADD CONSTRAINT "Cluster_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AddressPool" ADD CONSTRAINT "AddressPool_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AddressAllocation" ADD CONSTRAINT "AddressAllocation_poolId_fkey" FOREIGN KEY ("poolId") REFERENCES "AddressPool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AddressAllocation" ADD CONSTRAINT "AddressAllocation_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AddressAllocation" ADD CONSTRAINT "AddressAllocation_gatewayId_fkey" FOREIGN KEY ("gatewayId") REFERENCES "Gateway"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Template" ADD CONSTRAINT "Template_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Gateway" ADD CONSTRAINT "Gateway_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Gateway" ADD CONSTRAINT "Gateway_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "Template"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GatewayClient" ADD CONSTRAINT "GatewayClient_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "GatewayClient" ADD CONSTRAINT "GatewayClient_gatewayId_fkey" FOREIGN KEY ("gatewayId") REFERENCES "Gateway"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Route" ADD CONSTRAINT "Route_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RouteParent" ADD CONSTRAINT "RouteParent_routeId_fkey" FOREIGN KEY ("routeId") REFERENCES "Route"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RouteParent" ADD CONSTRAINT "RouteParent_gatewayId_fkey" FOREIGN KEY ("gatewayId") REFERENCES "Gateway"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EndpointSlice" ADD CONSTRAINT "EndpointSlice_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Service" ADD CONSTRAINT "Service_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReferenceGrant" ADD CONSTRAINT "ReferenceGrant_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Tunnel" ADD CONSTRAINT "Tunnel_gatewayId_fkey" FOREIGN KEY ("gatewayId") REFERENCES "Gateway"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Tunnel" ADD CONSTRAINT "Tunnel_epicNodeId_fkey" FOREIGN KEY ("epicNodeId") REFERENCES "EpicNode"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProxyInstance" ADD CONSTRAINT "ProxyInstance_gatewayId_fkey" FOREIGN KEY ("gatewayId") REFERENCES "Gateway"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProxyInstance" ADD CONSTRAINT "ProxyInstance_epicNodeId_fkey" FOREIGN KEY ("epicNodeId") REFERENCES "EpicNode"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ConfigRevision" ADD CONSTRAINT "ConfigRevision_gatewayId_fkey" FOREIGN KEY ("gatewayId") REFERENCES "Gateway"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Certificate" ADD CONSTRAINT "Certificate_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Counters the hot paths read instead of counting rows (docs/adr/0003-hot-paths-in-sql.md). Triggers keep
-- them exact whatever path writes the rows, cascades included.
CREATE FUNCTION epic_count_gateways() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "Account" SET "gatewayCount" = "gatewayCount" + 1 WHERE id = NEW."accountId";
  ELSE
    UPDATE "Account" SET "gatewayCount" = "gatewayCount" - 1 WHERE id = OLD."accountId";
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "Gateway_count" AFTER INSERT OR DELETE ON "Gateway" FOR EACH ROW EXECUTE FUNCTION epic_count_gateways();

CREATE FUNCTION epic_count_allocations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE "AddressPool" SET allocated = allocated + 1 WHERE id = NEW."poolId";
  ELSE
    UPDATE "AddressPool" SET allocated = allocated - 1 WHERE id = OLD."poolId";
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER "AddressAllocation_count" AFTER INSERT OR DELETE ON "AddressAllocation" FOR EACH ROW EXECUTE FUNCTION epic_count_allocations();
