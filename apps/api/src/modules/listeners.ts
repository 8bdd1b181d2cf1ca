import { GatewaySpec } from '@epic/gateway-api';

/** A Gateway's listeners, exactly as Gateway API v1 GatewaySpec.listeners (unique names, 1–64 entries). */
export const listenersSchema = GatewaySpec.shape.listeners;
