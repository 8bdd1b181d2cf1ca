-- AlterTable
ALTER TABLE "ProxyInstance" ADD COLUMN     "xdsAckedVersion" INTEGER;

