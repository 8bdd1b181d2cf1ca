-- AlterTable
ALTER TABLE "GatewayClient" ADD COLUMN     "clientGeneration" INTEGER;

-- AlterTable
ALTER TABLE "Route" ADD COLUMN     "clientGeneration" INTEGER;

