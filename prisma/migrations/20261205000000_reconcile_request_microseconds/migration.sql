-- A reconcile request's time at the precision of now(): at TIMESTAMP(3) a request rounded up past the start of
-- a claim that began within half a millisecond of it was not claimed, and waited for the next resync.
ALTER TABLE "ReconcileRequest" ALTER COLUMN "requestedAt" SET DATA TYPE TIMESTAMP(6);
