-- AlterEnum
ALTER TYPE "RouteKind" ADD VALUE 'UDPRoute';

