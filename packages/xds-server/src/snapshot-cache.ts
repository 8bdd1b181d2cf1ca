// Per-gateway snapshots of encoded xDS resources. Each resource is serialised once, when the snapshot is set;
// every stream of that node then sends the same bytes. Types whose content did not change keep their previous
// version, so a route change re-sends RDS only and an endpoint change EDS only.
import { createHash } from 'node:crypto';
import {
  type JsonObject,
  XDS_TYPE_URLS,
  type XdsTypeUrl,
  encodeResource,
  isXdsTypeUrl,
} from '@epic/envoy-proto';
import type { AnyBytes } from './discovery-codec.js';

export interface ResourceInput {
  name: string;
  /** proto3 JSON of the resource (see @epic/envoy-proto for the conventions). */
  resource: JsonObject;
}

export interface SnapshotInput {
  /** Version stamped on every type whose content changed (e.g. the ConfigRevision number). */
  version: string;
  resources: Partial<Record<XdsTypeUrl, ResourceInput[]>>;
  /**
   * Per-type versions to restore (from typeVersions() of an earlier process, persisted with the revision): after a
   * restart, proxies then see exactly the version_info they ACKed before. Used for types that changed or are new
   * to this cache; unchanged types keep their current version.
   */
  typeVersions?: Partial<Record<XdsTypeUrl, string>>;
}

export interface EncodedResource {
  name: string;
  /** Content hash; the per-resource version used by incremental xDS. */
  version: string;
  any: AnyBytes;
}

export interface TypeSnapshot {
  version: string;
  resources: ReadonlyMap<string, EncodedResource>;
}

export interface Snapshot {
  nodeId: string;
  version: string;
  types: ReadonlyMap<XdsTypeUrl, TypeSnapshot>;
  /** performance.now() when the snapshot was set; used to report programming latency on ACK. */
  setAt: number;
}

export type SnapshotListener = (snapshot: Snapshot, changedTypes: readonly XdsTypeUrl[]) => void;

/**
 * Encodings by resource object, shared by the setSnapshot calls of one revision (e.g. a gateway's Envoy and
 * proxyless variants, which pass the same cluster, endpoint and secret objects): each is encoded once. Create
 * one per revision and drop it after; the objects must not change meanwhile.
 */
export type EncodeMemo = Map<JsonObject, { typeUrl: XdsTypeUrl; value: Uint8Array; version: string }>;

function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
}

function sameResources(
  a: ReadonlyMap<string, EncodedResource>,
  b: ReadonlyMap<string, EncodedResource>,
): boolean {
  if (a.size !== b.size) return false;
  for (const [name, r] of a) if (b.get(name)?.version !== r.version) return false;
  return true;
}

export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly listeners = new Map<string, Set<SnapshotListener>>();

  /**
   * Replaces the node's snapshot. Throws (and changes nothing) if a resource does not encode; returns the
   * types whose content changed, which are the only ones pushed to connected proxies.
   */
  setSnapshot(nodeId: string, input: SnapshotInput, memo?: EncodeMemo): XdsTypeUrl[] {
    for (const typeUrl of Object.keys(input.resources)) {
      if (!isXdsTypeUrl(typeUrl)) throw new Error(`setSnapshot: ${typeUrl} is not an xDS resource type`);
    }
    const previous = this.snapshots.get(nodeId);
    const types = new Map<XdsTypeUrl, TypeSnapshot>();
    const changed: XdsTypeUrl[] = [];
    for (const typeUrl of XDS_TYPE_URLS) {
      const before = previous?.types.get(typeUrl);
      const resources = new Map<string, EncodedResource>();
      for (const { name, resource } of input.resources[typeUrl] ?? []) {
        if (resources.has(name)) throw new Error(`setSnapshot: duplicate ${typeUrl} resource "${name}"`);
        let encoded = memo?.get(resource);
        if (encoded === undefined || encoded.typeUrl !== typeUrl) {
          const value = encodeResource(typeUrl, resource);
          encoded = { typeUrl, value, version: contentHash(value) };
          memo?.set(resource, encoded);
        }
        const { value, version } = encoded;
        const old = before?.resources.get(name);
        // Unchanged resources keep the previous object, so unchanged bytes are held once across revisions.
        resources.set(
          name,
          old && old.version === version ? old : { name, version, any: { type_url: typeUrl, value } },
        );
      }
      if (before && sameResources(before.resources, resources)) {
        types.set(typeUrl, before);
      } else {
        types.set(typeUrl, { version: input.typeVersions?.[typeUrl] ?? input.version, resources });
        if (before || resources.size > 0) changed.push(typeUrl);
      }
    }
    const snapshot: Snapshot = { nodeId, version: input.version, types, setAt: performance.now() };
    this.snapshots.set(nodeId, snapshot);
    for (const listener of this.listeners.get(nodeId) ?? []) listener(snapshot, changed);
    return changed;
  }

  /** The version of each type in the node's snapshot (what proxies report in version_info). */
  typeVersions(nodeId: string): Partial<Record<XdsTypeUrl, string>> {
    const snapshot = this.snapshots.get(nodeId);
    return snapshot ? Object.fromEntries([...snapshot.types].map(([t, s]) => [t, s.version])) : {};
  }

  getSnapshot(nodeId: string): Snapshot | undefined {
    return this.snapshots.get(nodeId);
  }

  /**
   * Forgets a node (gateway deleted). Connected proxies keep what they have until they disconnect: the
   * application ends their streams with XdsServer.disconnect.
   */
  clearSnapshot(nodeId: string): void {
    this.snapshots.delete(nodeId);
  }

  nodeIds(): string[] {
    return [...this.snapshots.keys()];
  }

  get size(): number {
    return this.snapshots.size;
  }

  /** Calls `listener` on every later setSnapshot for `nodeId`; returns the unsubscribe function. */
  watch(nodeId: string, listener: SnapshotListener): () => void {
    let set = this.listeners.get(nodeId);
    if (!set) {
      set = new Set();
      this.listeners.set(nodeId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(nodeId);
    };
  }
}
