-- The metadata.generation of a BackendTLSPolicy in its workload cluster, as last synced: the controller writes
-- status.ancestors with it once EPIC's conditions describe the spec it sent.
ALTER TABLE "BackendTlsPolicy" ADD COLUMN "clientGeneration" INTEGER;
