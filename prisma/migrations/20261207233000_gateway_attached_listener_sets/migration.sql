-- Gateway API status.attachedListenerSets (GEP-1713), written by the reconciler with the rest of the status
-- (null: the Gateway has nothing to do with ListenerSets, and the field is absent).
ALTER TABLE "Gateway" ADD COLUMN "attachedListenerSets" INTEGER;
