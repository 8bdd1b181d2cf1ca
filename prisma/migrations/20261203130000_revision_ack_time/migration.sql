-- AlterTable
ALTER TABLE "ConfigRevision" ADD COLUMN     "ackedAt" TIMESTAMP(3),
ADD COLUMN     "changedAt" TIMESTAMP(3);
