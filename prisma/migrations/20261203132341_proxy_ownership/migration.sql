-- Who owns a ProxyInstance row (docs/adr/0501-fleet-provisioning.md, "Who owns a row"): the provisioner's view of the pod goes to
-- "podReady", the EPIC node agent's to "ready". Rows only the provisioner wrote so far carried the pod's
-- readiness in "ready": it moves over; rows a node reported keep theirs and get the provisioner's view at its
-- next reconcile.
-- AlterTable
ALTER TABLE "ProxyInstance" ADD COLUMN     "podReady" BOOLEAN;

UPDATE "ProxyInstance" SET "podReady" = ready, ready = false WHERE "epicNodeId" IS NULL;
