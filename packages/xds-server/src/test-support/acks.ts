// Waits for a proxy to acknowledge (or reject) a given version of a type.
import type { AckEvent, NackEvent } from '../events.js';
import type { XdsServer } from '../xds-server.js';

export function waitForAck(
  server: XdsServer,
  typeUrl: string,
  version: string,
  timeoutMs = 10_000,
): Promise<AckEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.off('ack', onAck);
      reject(new Error(`no ACK of ${typeUrl} ${version} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onAck = (e: AckEvent): void => {
      if (e.typeUrl !== typeUrl || e.version !== version) return;
      clearTimeout(timer);
      server.off('ack', onAck);
      resolve(e);
    };
    server.on('ack', onAck);
  });
}

export function waitForNack(server: XdsServer, typeUrl: string, timeoutMs = 10_000): Promise<NackEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.off('nack', onNack);
      reject(new Error(`no NACK of ${typeUrl} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onNack = (e: NackEvent): void => {
      if (e.typeUrl !== typeUrl) return;
      clearTimeout(timer);
      server.off('nack', onNack);
      resolve(e);
    };
    server.on('nack', onNack);
  });
}
