// The API server's write and read semantics (generic registry behaviour): defaults, optimistic concurrency,
// status subresource, generation, finalizers, namespace termination, CRD registration, patches, apply.
import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { applyBuiltinDefaults } from './builtin-defaults.js';
import { clone, deepEqual, isObject, parseJsonOnly, str, type Json, type JsonObject } from './json.js';
import { serverSideApply, Shape, trackUpdate } from './managed-fields.js';
import {
  base64ErrorOffset,
  validateBuiltin,
  validateBuiltinUpdate,
  validateObjectMeta,
} from './object-meta-validation.js';
import type { ObjectStore } from './object-store.js';
import { jsonPatch, mergePatch, strategicMergePatch } from './patch.js';
import type { ResourceRegistry } from './registry.js';
import { apiVersionOf, storageKey, type ResourceType } from './resource-types.js';
import { applyStructuralSchema, schemaDefault } from './schema-validation.js';
import { CEL_BLOCKING, hasCelRules, validateCelRules } from './cel-validation.js';
import {
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  finalizersOf,
  type CollectorApi,
  type PropagationPolicy,
} from './garbage-collector.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import {
  alreadyExists,
  badRequest,
  conflict,
  forbidden,
  invalid,
  notFound,
  STALE_OBJECT,
  StatusError,
  unsupportedMediaType,
  fieldError,
  gone,
  tooLargeResourceVersion,
  type FieldError,
} from './status.js';

export interface RequestTarget {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  query: URLSearchParams;
  userAgent: string;
}

export interface WriteResult {
  code: number;
  body: JsonObject;
  warnings: string[];
}

const NAMESPACE_KEY = '/namespaces';

function meta(obj: JsonObject): JsonObject {
  return isObject(obj.metadata) ? obj.metadata : (obj.metadata = {});
}

function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Drops what differs between two stored versions without being a change (resourceVersion, managedFields times). */
function withoutVolatile(obj: JsonObject): JsonObject {
  const m = { ...meta(obj) };
  delete m.resourceVersion;
  if (Array.isArray(m.managedFields)) {
    m.managedFields = m.managedFields.map((e) => {
      if (!isObject(e)) return e;
      const copy = { ...e };
      delete copy.time;
      return copy;
    });
  }
  return { ...obj, metadata: m };
}

function sansMetaAndStatus(obj: JsonObject, dropStatus: boolean): JsonObject {
  const out = { ...obj };
  delete out.metadata;
  if (dropStatus) delete out.status;
  return out;
}

export class KubeApi implements CollectorApi {
  /** Namespaces whose contents are being deleted right now. */
  private readonly sweeping = new Set<string>();
  /** resourceVersion at which each CRD's storage was (re)created: its watch cache holds nothing older. */
  private readonly crdServedSince = new Map<string, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly registry: ResourceRegistry,
  ) {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.store.put(NAMESPACE_KEY, '', ns, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns,
          uid: randomUUID(),
          creationTimestamp: nowRfc3339(),
          labels: { 'kubernetes.io/metadata.name': ns },
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
  }

  /** The object as served at `type`'s version (all versions share storage; conversion is None). */
  present(type: ResourceType, obj: JsonObject): JsonObject {
    const apiVersion = apiVersionOf(type);
    return obj.apiVersion === apiVersion && obj.kind === type.kind
      ? obj
      : { ...obj, apiVersion, kind: type.kind };
  }

  private shape(type: ResourceType): Shape {
    return new Shape(type.schema, []);
  }

  private mustGet(t: RequestTarget): JsonObject {
    const obj = this.store.get(storageKey(t.type), t.namespace ?? '', t.name ?? '');
    if (!obj) throw notFound(t.type.group, t.type.plural, t.name ?? '');
    return obj;
  }

  get(t: RequestTarget): JsonObject {
    return this.present(t.type, this.mustGet(t));
  }

  /** The oldest resourceVersion a watch of `type` can start from (custom resources: their storage's start). */
  watchableSince(type: ResourceType): number {
    return type.crdName ? (this.crdServedSince.get(type.crdName) ?? 0) : 0;
  }

  fieldLabels(type: ResourceType): string[] {
    return ['metadata.name', ...(type.namespaced ? ['metadata.namespace'] : []), ...type.extraFieldLabels];
  }

  /** Objects matching the request's selectors, for list, watch and deletecollection. */
  matcher(t: RequestTarget): (obj: JsonObject) => boolean {
    const labels = parseLabelSelector(t.query.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(t.query.get('fieldSelector') ?? undefined, this.fieldLabels(t.type));
    return (o) => labels(o) && fields(o);
  }

  /**
   * List semantics of kube-apiserver 1.32 (ValidateListOptions, the watch cache and the etcd3 store):
   * no resourceVersion → latest; "0" → latest, `limit` ignored (the watch cache serves it whole);
   * NotOlderThan → latest if not in the future; Exact (or a legacy resourceVersion with a limit) → the
   * state at that revision; every page of a paged list is read at the first page's revision, and a
   * continue token whose revision was compacted gets 410 Expired with a token to resume at the latest.
   */
  list(t: RequestTarget): JsonObject {
    const q = t.query;
    const rvParam = q.get('resourceVersion') ?? '';
    const match = q.get('resourceVersionMatch') ?? '';
    const cont = q.get('continue') ?? '';
    const errors: FieldError[] = [];
    if (match) {
      if (!rvParam)
        errors.push(
          fieldError.forbidden(
            'resourceVersionMatch',
            'resourceVersionMatch is forbidden unless resourceVersion is provided',
          ),
        );
      if (cont)
        errors.push(
          fieldError.forbidden(
            'resourceVersionMatch',
            'resourceVersionMatch is forbidden when continue is provided',
          ),
        );
      if (match !== 'Exact' && match !== 'NotOlderThan')
        errors.push(fieldError.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
      if (match === 'Exact' && rvParam === '0')
        errors.push(
          fieldError.forbidden(
            'resourceVersionMatch',
            'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
          ),
        );
    }
    if (q.has('sendInitialEvents'))
      errors.push(fieldError.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
    if (errors.length > 0) throw invalid('ListOptions', 'meta.k8s.io', '', errors);
    const limitParam = q.get('limit');
    if (limitParam !== null && !/^[-+]?\d+$/.test(limitParam))
      throw badRequest(`strconv.ParseInt: parsing ${JSON.stringify(limitParam)}: invalid syntax`);
    const limit = Number(limitParam ?? 0);
    if (rvParam && !/^\d+$/.test(rvParam))
      throw badRequest(`invalid resource version: ${JSON.stringify(rvParam)}`);
    const current = this.store.resourceVersion;
    const resource = storageKey(t.type);
    const ns = t.type.namespaced ? t.namespace : undefined;
    let readAt = current;
    let after: string | undefined;
    if (cont) {
      if (rvParam && rvParam !== '0')
        throw badRequest('specifying resource version is not allowed when using continue');
      const token = decodeContinue(cont);
      after = token.start;
      if (token.rv !== -1) {
        if (token.rv < this.store.oldestReadable) {
          const err = gone(INCONSISTENT_CONTINUE);
          err.listMeta = { continue: encodeContinue(-1, token.start) };
          throw err;
        }
        readAt = token.rv;
      }
    } else if (rvParam && rvParam !== '0') {
      const rv = Number(rvParam);
      if (rv > current) throw tooLargeResourceVersion(rv, current);
      if (match === 'Exact' || (match === '' && limit > 0)) {
        if (rv < this.store.oldestReadable)
          throw gone('The resourceVersion for the provided list is too old.');
        readAt = rv;
      }
    }
    const all =
      readAt === current ? this.store.list(resource, ns) : (this.store.listAt(resource, ns, readAt) ?? []);
    const selected = this.matcher(t);
    let items = all.filter(selected);
    if (after !== undefined) {
      const start = after;
      items = items.filter((o) => keyOf(o) > start);
    }
    const listMeta: JsonObject = { resourceVersion: String(readAt) };
    if (limit > 0 && rvParam !== '0' && items.length > limit) {
      const page = items.slice(0, limit);
      listMeta.continue = encodeContinue(readAt, keyOf(page[page.length - 1] as JsonObject));
      listMeta.remainingItemCount = items.length - limit;
      items = page;
    }
    return {
      kind: t.type.listKind,
      apiVersion: apiVersionOf(t.type),
      metadata: listMeta,
      // Built-in lists are typed in the real server, so their items carry no apiVersion/kind; custom resource
      // lists are unstructured and keep them.
      items: items.map((o) => (t.type.crdName ? this.present(t.type, o) : withoutTypeMeta(o))),
    };
  }

  private ensureNamespaceWritable(t: RequestTarget, name: string): void {
    if (!t.type.namespaced) return;
    const ns = this.store.get(NAMESPACE_KEY, '', t.namespace ?? '');
    if (!ns) throw notFound('', 'namespaces', t.namespace ?? '');
    if (isObject(ns.metadata) && ns.metadata.deletionTimestamp) {
      throw forbidden(
        t.type.group,
        t.type.plural,
        name,
        `unable to create new content in namespace ${t.namespace} because it is being terminated`,
      );
    }
  }

  /** Common checks and normalisation of a body for `type`, then schema / metadata validation. */
  private admit(
    t: RequestTarget,
    obj: JsonObject,
    warnings: string[],
    creating: boolean,
    old?: JsonObject,
  ): void {
    const type = t.type;
    const apiVersion = apiVersionOf(type);
    if (type.kind === 'Secret' && !type.group) decodeSecret(obj);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw badRequest(
        `the kind in the data (${String(obj.kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    obj.apiVersion = apiVersion;
    obj.kind = type.kind;
    if (creating && type.statusSubresource) {
      // PrepareForCreate drops the status before validation; the CRD's status default then applies.
      delete obj.status;
      const props = type.schema && isObject(type.schema.properties) ? type.schema.properties : undefined;
      const status = schemaDefault(props && isObject(props.status) ? props.status : undefined);
      if (status !== undefined) obj.status = status;
    }
    const m = meta(obj);
    if (type.namespaced) {
      if (typeof m.namespace === 'string' && m.namespace !== '' && m.namespace !== t.namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      }
      m.namespace = t.namespace ?? '';
    } else delete m.namespace;
    const errors = validateObjectMeta(obj, type.kind, type.namespaced);
    if (type.schema) {
      const r = applyStructuralSchema(obj, type.schema);
      if (r.unknownFields.length > 0) {
        const mode = t.query.get('fieldValidation') ?? 'Warn';
        const msgs = r.unknownFields.map((f) => `unknown field "${f}"`);
        if (mode === 'Strict') {
          throw badRequest(
            `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${msgs.join(', ')}`,
          );
        }
        if (mode === 'Warn') warnings.push(...msgs);
      }
      errors.push(...r.errors);
      if (hasCelRules(type.schema)) {
        // cel.Validator does not run over values whose types are wrong (customResourceStrategy.Validate).
        if (errors.some((e) => CEL_BLOCKING.has(e.type))) {
          errors.push(
            fieldError.invalid(
              '<nil>',
              'null',
              'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
            ),
          );
        } else errors.push(...validateCelRules(obj, old, type.schema));
      }
    } else {
      applyBuiltinDefaults(type.kind, obj, creating);
      if (old) errors.push(...validateBuiltinUpdate(obj, old, type.kind));
      errors.push(...validateBuiltin(obj, type.kind));
    }
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io')
      errors.push(...validateCrd(obj));
    if (errors.length > 0) throw invalid(type.kind, type.group, str(m.name) ?? '', errors);
  }

  private manager(t: RequestTarget): string {
    const fm = t.query.get('fieldManager');
    if (fm) return fm;
    // Like the real server: the user agent up to its first '/'.
    return t.userAgent.split('/')[0] || 'unknown';
  }

  private dryRun(t: RequestTarget): boolean {
    return t.query.getAll('dryRun').includes('All');
  }

  create(t: RequestTarget, body: Json): WriteResult {
    if (!isObject(body)) throw badRequest("Object 'Kind' is missing in 'null'");
    const obj = clone(body);
    const m = meta(obj);
    if (
      (typeof m.name !== 'string' || m.name === '') &&
      typeof m.generateName === 'string' &&
      m.generateName
    ) {
      m.name = m.generateName + randomBytes(4).toString('hex').slice(0, 5);
    }
    const warnings: string[] = [];
    this.admit(t, obj, warnings, true);
    const name = str(m.name) ?? '';
    this.ensureNamespaceWritable(t, name);
    const key = storageKey(t.type);
    if (this.store.get(key, t.namespace ?? '', name)) throw alreadyExists(t.type.group, t.type.plural, name);
    this.initialiseNew(t.type, obj);
    trackUpdate(
      undefined,
      obj,
      this.manager(t),
      apiVersionOf(t.type),
      this.shape(t.type),
      undefined,
      nowRfc3339(),
    );
    return { code: 201, body: this.commitNew(t, obj), warnings };
  }

  /** Server-populated fields of a new object. */
  private initialiseNew(type: ResourceType, obj: JsonObject): void {
    const m = meta(obj);
    m.uid = randomUUID();
    m.creationTimestamp = nowRfc3339();
    delete m.deletionTimestamp;
    delete m.deletionGracePeriodSeconds;
    delete m.resourceVersion;
    if (type.generation) m.generation = 1;
    else delete m.generation;
    // (A status subresource's status was already reset by admit.)
    if (type.kind === 'Namespace' && !type.group) {
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
      m.labels = {
        ...(isObject(m.labels) ? m.labels : {}),
        'kubernetes.io/metadata.name': str(m.name) ?? '',
      };
    }
  }

  private commitNew(t: RequestTarget, obj: JsonObject): JsonObject {
    if (this.dryRun(t)) return this.present(t.type, obj);
    const name = str(meta(obj).name) ?? '';
    const isCrd = t.type.kind === 'CustomResourceDefinition' && t.type.group === 'apiextensions.k8s.io';
    if (isCrd) this.establishCrd(obj);
    const stored = this.store.put(storageKey(t.type), t.namespace ?? '', name, obj);
    if (isCrd) this.crdServedSince.set(name, this.store.resourceVersion);
    return this.present(t.type, stored);
  }

  /** PUT on the resource or its status. */
  update(t: RequestTarget, body: Json): WriteResult {
    if (!isObject(body)) throw badRequest("Object 'Kind' is missing");
    const old = this.mustGet(t);
    const obj = clone(body);
    const m = meta(obj);
    if (m.name !== undefined && m.name !== t.name) {
      throw badRequest(
        `the name of the object (${String(m.name)}) does not match the name on the URL (${t.name})`,
      );
    }
    m.name = t.name ?? '';
    const rv = str(m.resourceVersion);
    if (!rv && t.type.crdName) {
      // Custom resources do not allow unconditional updates (customResourceStrategy.AllowUnconditionalUpdate).
      throw invalid(t.type.kind, t.type.group, t.name ?? '', [
        fieldError.invalid('metadata.resourceVersion', { goHex: 0 }, 'must be specified for an update'),
      ]);
    }
    if (rv && rv !== str(meta(old).resourceVersion))
      throw conflict(t.type.group, t.type.plural, t.name ?? '', STALE_OBJECT);
    const warnings: string[] = [];
    return this.commitUpdate(t, old, obj, warnings, false);
  }

  /** Shared tail of update and patch: subresource rules, generation, validation, finalizers, managedFields. */
  private commitUpdate(
    t: RequestTarget,
    old: JsonObject,
    incoming: JsonObject,
    warnings: string[],
    applied: boolean,
  ): WriteResult {
    const type = t.type;
    let obj: JsonObject;
    if (t.subresource === 'status') {
      obj = clone(old);
      if (incoming.status === undefined) delete obj.status;
      else obj.status = incoming.status as Json;
      if (applied) meta(obj).managedFields = meta(incoming).managedFields ?? [];
    } else {
      obj = incoming;
      if (type.statusSubresource) {
        if (old.status === undefined) delete obj.status;
        else obj.status = clone(old.status as Json);
      }
      if (t.subresource !== 'finalize' && type.kind === 'Namespace' && !type.group)
        obj.spec = clone(old.spec ?? {});
    }
    if (
      type.kind === 'Service' &&
      !type.group &&
      isObject(obj.spec) &&
      isObject(old.spec) &&
      !obj.spec.clusterIP
    ) {
      // clusterIP is immutable: an update that omits it keeps the allocated one.
      obj.spec.clusterIP = old.spec.clusterIP ?? null;
      obj.spec.clusterIPs = old.spec.clusterIPs ?? null;
    }
    this.admit(t, obj, warnings, false, old);
    const m = meta(obj);
    const om = meta(old);
    for (const k of [
      'uid',
      'creationTimestamp',
      'deletionTimestamp',
      'deletionGracePeriodSeconds',
      'generation',
    ] as const) {
      if (om[k] === undefined) delete m[k];
      else m[k] = om[k] as Json;
    }
    m.resourceVersion = om.resourceVersion ?? null;
    if (
      type.generation &&
      !deepEqual(
        sansMetaAndStatus(old, type.statusSubresource),
        sansMetaAndStatus(obj, type.statusSubresource),
      )
    ) {
      m.generation = (typeof om.generation === 'number' ? om.generation : 0) + 1;
    }
    if (om.deletionTimestamp && Array.isArray(m.finalizers)) {
      const before = Array.isArray(om.finalizers) ? om.finalizers : [];
      const added = m.finalizers.filter((f) => !before.includes(f));
      if (added.length > 0) {
        throw invalid(type.kind, type.group, t.name ?? '', [
          fieldError.forbidden(
            'metadata.finalizers',
            'no new finalizers can be added if the object is being deleted, found new finalizers []string{' +
              added.map((f) => JSON.stringify(f)).join(', ') +
              '}',
          ),
        ]);
      }
    }
    if (!applied)
      trackUpdate(
        old,
        obj,
        this.manager(t),
        apiVersionOf(type),
        this.shape(type),
        t.subresource,
        nowRfc3339(),
      );
    if (deepEqual(withoutVolatile(old), withoutVolatile(obj))) {
      return { code: 200, body: this.present(type, old), warnings };
    }
    if (this.dryRun(t)) return { code: 200, body: this.present(type, obj), warnings };
    const key = storageKey(type);
    const ns = t.namespace ?? '';
    const finalizers = Array.isArray(m.finalizers) ? m.finalizers : [];
    if (m.deletionTimestamp && finalizers.length === 0 && !(type.kind === 'Namespace' && !type.group)) {
      // deleteWithoutFinalizers: the client gets the updated object (finalizers gone), which is then deleted.
      this.removeNow(type, ns, t.name ?? '');
      return { code: 200, body: this.present(type, obj), warnings };
    }
    const isCrd = type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io';
    if (isCrd) this.establishCrd(obj);
    const stored = this.store.put(key, ns, t.name ?? '', obj);
    // The apiextensions server rebuilds a CRD's storage (and its watch cache) when the spec changes.
    if (isCrd && !deepEqual(old.spec ?? null, obj.spec ?? null))
      this.crdServedSince.set(t.name ?? '', this.store.resourceVersion);
    if (type.kind === 'Namespace' && !type.group && m.deletionTimestamp) this.finishNamespace(t.name ?? '');
    return { code: 200, body: this.present(type, stored), warnings };
  }

  patch(t: RequestTarget, body: string, contentType: string): WriteResult {
    const ct = contentType.split(';')[0]?.trim() ?? '';
    const accepted = [
      'application/json-patch+json',
      'application/merge-patch+json',
      ...(t.type.strategicMerge ? ['application/strategic-merge-patch+json'] : []),
      'application/apply-patch+yaml',
    ];
    if (!accepted.includes(ct)) throw unsupportedMediaType(accepted);
    if (ct === 'application/apply-patch+yaml') return this.apply(t, body);
    let patchDoc: Json;
    try {
      patchDoc = JSON.parse(body) as Json;
    } catch (e) {
      throw badRequest(`error decoding patch: ${(e as Error).message}`);
    }
    const old = this.mustGet(t);
    const current = this.present(t.type, old);
    let patched: Json;
    if (ct === 'application/json-patch+json') patched = jsonPatch(current, patchDoc);
    else if (ct === 'application/merge-patch+json') patched = mergePatch(current, patchDoc);
    else patched = strategicMergePatch(current, patchDoc);
    if (!isObject(patched)) throw badRequest('patch did not produce an object');
    const m = meta(patched);
    if (m.name !== t.name)
      throw badRequest(
        `the name of the object (${String(m.name)}) does not match the name on the URL (${t.name})`,
      );
    const rv = str(m.resourceVersion);
    if (rv && rv !== str(meta(old).resourceVersion))
      throw conflict(t.type.group, t.type.plural, t.name ?? '', STALE_OBJECT);
    return this.commitUpdate(t, old, patched, [], false);
  }

  private apply(t: RequestTarget, body: string): WriteResult {
    const manager = t.query.get('fieldManager');
    if (!manager) {
      throw invalid('PatchOptions', 'meta.k8s.io', '', [
        fieldError.required('fieldManager', 'is required for apply patch'),
      ]);
    }
    let doc: unknown;
    try {
      doc = parseJsonOnly(body) ?? parseYaml(body);
    } catch (e) {
      throw badRequest(`error decoding YAML: ${(e as Error).message}`);
    }
    if (!isObject(doc)) throw badRequest('error decoding YAML: the applied configuration is not an object');
    const applied = doc;
    if (typeof applied.apiVersion !== 'string' || typeof applied.kind !== 'string') {
      throw badRequest("Object 'Kind' is missing in '" + JSON.stringify(applied).slice(0, 200) + "'");
    }
    const am = meta(applied);
    if (am.name !== undefined && am.name !== t.name) {
      throw badRequest(
        `the name of the object (${String(am.name)}) does not match the name on the URL (${t.name})`,
      );
    }
    am.name = t.name ?? '';
    if (t.type.namespaced && am.namespace === undefined) am.namespace = t.namespace ?? '';
    const force = t.query.get('force') === 'true';
    const existing = this.store.get(storageKey(t.type), t.namespace ?? '', t.name ?? '');
    const warnings: string[] = [];
    const apiVersion = apiVersionOf(t.type);
    if (!existing) {
      if (t.subresource) throw notFound(t.type.group, t.type.plural, t.name ?? '');
      const merged = serverSideApply({
        live: undefined,
        applied,
        manager,
        apiVersion,
        force,
        shape: this.shape(t.type),
        subresource: undefined,
        now: nowRfc3339(),
      });
      this.admit(t, merged, warnings, true);
      this.ensureNamespaceWritable(t, t.name ?? '');
      this.initialiseNew(t.type, merged);
      return { code: 201, body: this.commitNew(t, merged), warnings };
    }
    const rv = str(am.resourceVersion);
    if (rv && rv !== str(meta(existing).resourceVersion))
      throw conflict(t.type.group, t.type.plural, t.name ?? '', STALE_OBJECT);
    delete am.resourceVersion;
    const live = this.present(t.type, existing);
    const merged = serverSideApply({
      live,
      applied,
      manager,
      apiVersion,
      force,
      shape: this.shape(t.type),
      subresource: t.subresource,
      now: nowRfc3339(),
    });
    return this.commitUpdate(t, existing, merged, warnings, true);
  }

  private removeNow(type: ResourceType, namespace: string, name: string): JsonObject {
    const removed = this.store.remove(storageKey(type), namespace, name);
    if (!removed) throw notFound(type.group, type.plural, name);
    if (type.kind === 'CustomResourceDefinition' && type.group === 'apiextensions.k8s.io') {
      const spec = isObject(removed.spec) ? removed.spec : {};
      const names = isObject(spec.names) ? spec.names : {};
      const resource = `${str(spec.group) ?? ''}/${str(names.plural) ?? ''}`;
      for (const o of this.store.list(resource)) {
        const om = meta(o);
        this.store.remove(resource, str(om.namespace) ?? '', str(om.name) ?? '');
      }
      this.registry.unregisterCrd(name);
    }
    if (namespace) this.finishNamespace(namespace);
    return removed;
  }

  delete(t: RequestTarget, body: Json): WriteResult {
    const old = this.mustGet(t);
    const opts = deleteOptions(t.query, body);
    const pre = isObject(opts.preconditions) ? opts.preconditions : {};
    const om = meta(old);
    if (pre.uid !== undefined && pre.uid !== null && pre.uid !== om.uid) {
      throw conflict(
        t.type.group,
        t.type.plural,
        t.name ?? '',
        `Precondition failed: UID in precondition: ${String(pre.uid)}, UID in object meta: ${String(om.uid)}`,
      );
    }
    if (
      pre.resourceVersion !== undefined &&
      pre.resourceVersion !== null &&
      pre.resourceVersion !== om.resourceVersion
    ) {
      throw conflict(
        t.type.group,
        t.type.plural,
        t.name ?? '',
        `Precondition failed: ResourceVersion in precondition: ${String(pre.resourceVersion)}, ResourceVersion in object meta: ${String(om.resourceVersion)}`,
      );
    }
    return this.deleteObject(t.type, old, this.dryRun(t) || opts.dryRun.includes('All'), opts);
  }

  /**
   * The generic registry's Delete: DeleteOptions decide the garbage collection finalizers
   * (deletionFinalizersForGarbageCollection); with finalizers left the object only gets a deletionTimestamp.
   */
  private deleteObject(
    type: ResourceType,
    old: JsonObject,
    dryRun: boolean,
    opts: ParsedDeleteOptions,
  ): WriteResult {
    const om = meta(old);
    const ns = str(om.namespace) ?? '';
    const name = str(om.name) ?? '';
    const isNamespace = type.kind === 'Namespace' && !type.group;
    const current = finalizersOf(old);
    const next = gcFinalizers(current, opts);
    const changed = next.length !== current.length || next.some((f) => !current.includes(f));
    // The DELETE handler answers 202 only when the object stays and orphanDependents=false was asked for.
    const kept = opts.orphanDependents === false ? 202 : 200;
    if (isNamespace && om.deletionTimestamp) {
      const spec = isObject(old.spec) ? old.spec : {};
      if (Array.isArray(spec.finalizers) && spec.finalizers.length > 0) {
        throw conflict(
          '',
          'namespaces',
          name,
          'The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.',
        );
      }
    }
    if (next.length > 0 || isNamespace) {
      if (om.deletionTimestamp && !changed)
        return { code: kept, body: this.present(type, old), warnings: [] };
      const obj = clone(old);
      const m = meta(obj);
      if (changed) m.finalizers = next;
      if (!m.deletionTimestamp) {
        m.deletionTimestamp = nowRfc3339();
        if (type.generation) m.generation = (typeof m.generation === 'number' ? m.generation : 0) + 1;
      }
      m.deletionGracePeriodSeconds = 0;
      if (isNamespace) obj.status = { ...(isObject(obj.status) ? obj.status : {}), phase: 'Terminating' };
      if (dryRun) return { code: kept, body: this.present(type, obj), warnings: [] };
      const stored = this.store.put(storageKey(type), ns, name, obj);
      if (isNamespace) this.terminateNamespace(name);
      return { code: kept, body: this.present(type, stored), warnings: [] };
    }
    if (dryRun) return { code: 200, body: this.deletedAnswer(type, old), warnings: [] };
    let last = old;
    if (changed) {
      // The registry writes the new finalizers before it deletes.
      const obj = clone(old);
      delete meta(obj).finalizers;
      last = this.store.put(storageKey(type), ns, name, obj);
    }
    this.removeNow(type, ns, name);
    return { code: 200, body: this.deletedAnswer(type, last), warnings: [] };
  }

  /**
   * finalizeDelete: registries with ReturnDeletedObject answer with the object as it was stored; all others
   * (custom resources included) with a Success Status naming it.
   */
  private deletedAnswer(type: ResourceType, last: JsonObject): JsonObject {
    if (!type.group && RETURNS_DELETED_OBJECT.has(type.kind)) return this.present(type, last);
    const m = meta(last);
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: {
        name: str(m.name) ?? '',
        ...(type.group ? { group: type.group } : {}),
        kind: type.plural,
        uid: str(m.uid) ?? '',
      },
    };
  }

  deleteCollection(t: RequestTarget, body: Json): JsonObject {
    const opts = deleteOptions(t.query, body);
    const match = this.matcher(t);
    const items = this.store
      .list(storageKey(t.type), t.type.namespaced ? t.namespace : undefined)
      .filter(match);
    const out: Json[] = [];
    // DeleteCollection answers with the list it deleted from, not with each Delete's answer.
    for (const o of items) {
      this.deleteObject(t.type, o, this.dryRun(t), opts);
      out.push(t.type.crdName ? this.present(t.type, o) : withoutTypeMeta(o));
    }
    return {
      kind: t.type.listKind,
      apiVersion: apiVersionOf(t.type),
      metadata: { resourceVersion: String(this.store.resourceVersion) },
      items: out,
    };
  }

  // --- what the garbage collector calls (CollectorApi) ---

  typeForOwner(apiVersion: string, kind: string): ResourceType | undefined {
    return this.registry.findByKind(apiVersion, kind);
  }

  collect(type: ResourceType, namespace: string, name: string, uid: string, policy: PropagationPolicy): void {
    const obj = this.store.get(storageKey(type), namespace, name);
    if (!obj || meta(obj).uid !== uid) return;
    this.deleteObject(type, obj, false, { propagationPolicy: policy, dryRun: [] });
  }

  updateMetadata(
    type: ResourceType,
    namespace: string,
    name: string,
    uid: string,
    mutate: (meta: JsonObject) => boolean,
  ): void {
    const old = this.store.get(storageKey(type), namespace, name);
    if (!old || meta(old).uid !== uid) return;
    const obj = clone(old);
    if (!mutate(meta(obj))) return;
    const target: RequestTarget = {
      type,
      namespace: type.namespaced ? namespace : undefined,
      name,
      subresource: undefined,
      query: new URLSearchParams(),
      userAgent: GC_USER_AGENT,
    };
    this.commitUpdate(target, old, obj, [], false);
  }

  /** Namespace controller, inline: delete every object in the namespace, then drop the namespace once empty. */
  private terminateNamespace(ns: string): void {
    // Each removal would otherwise re-check the whole namespace for emptiness (quadratic on big namespaces).
    this.sweeping.add(ns);
    try {
      for (const resource of this.store.resources()) {
        if (resource === NAMESPACE_KEY) continue;
        const type = this.typeForStorage(resource);
        if (!type || !type.namespaced) continue;
        // The namespace deleter deletes collections with propagationPolicy=Background.
        for (const o of this.store.list(resource, ns))
          this.deleteObject(type, o, false, { propagationPolicy: 'Background', dryRun: [] });
      }
    } finally {
      this.sweeping.delete(ns);
    }
    this.finishNamespace(ns);
  }

  private finishNamespace(ns: string): void {
    if (this.sweeping.has(ns)) return;
    const nsObj = this.store.get(NAMESPACE_KEY, '', ns);
    if (!nsObj || !meta(nsObj).deletionTimestamp) return;
    for (const resource of this.store.resources()) {
      if (resource !== NAMESPACE_KEY && this.store.list(resource, ns).length > 0) return;
    }
    const m = meta(nsObj);
    if (Array.isArray(m.finalizers) && m.finalizers.length > 0) return;
    this.store.remove(NAMESPACE_KEY, '', ns);
  }

  typeForStorage(resource: string): ResourceType | undefined {
    const slash = resource.indexOf('/');
    return this.registry.versionsOf(resource.slice(0, slash), resource.slice(slash + 1))[0];
  }

  /** Marks a CRD established and serves its versions, as the apiextensions controllers would. */
  private establishCrd(obj: JsonObject): void {
    const spec = isObject(obj.spec) ? obj.spec : {};
    const names = isObject(spec.names) ? clone(spec.names) : {};
    const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
    const storage = versions.find((v) => v.storage === true);
    const now = nowRfc3339();
    const previous =
      isObject(obj.status) && Array.isArray(obj.status.storedVersions) ? obj.status.storedVersions : [];
    const storedVersions = [...new Set([...previous, ...(storage ? [str(storage.name) ?? ''] : [])])];
    if (names.singular === undefined && typeof names.kind === 'string')
      names.singular = names.kind.toLowerCase();
    if (names.listKind === undefined && typeof names.kind === 'string') names.listKind = `${names.kind}List`;
    const previousConditions =
      isObject(obj.status) && Array.isArray(obj.status.conditions)
        ? obj.status.conditions.filter(isObject)
        : [];
    // Unchanged conditions keep their lastTransitionTime, so re-applying a CRD is a no-op.
    const since = (type: string): string => {
      const c = previousConditions.find((p) => p.type === type && p.status === 'True');
      return typeof c?.lastTransitionTime === 'string' ? c.lastTransitionTime : now;
    };
    obj.status = {
      acceptedNames: names,
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          lastTransitionTime: since('NamesAccepted'),
          reason: 'NoConflicts',
          message: 'no conflicts found',
        },
        {
          type: 'Established',
          status: 'True',
          lastTransitionTime: since('Established'),
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
        },
      ],
      storedVersions,
    };
    this.registry.registerCrd(obj);
  }
}

/** Core kinds whose registry sets ReturnDeletedObject (pkg/registry/core/<kind>/storage). */
const RETURNS_DELETED_OBJECT = new Set(['Namespace', 'Pod', 'Service', 'ServiceAccount']);

const GC_USER_AGENT =
  'kube-controller-manager/v1.32.0 (linux/amd64) kubernetes/kube-testserver/system:serviceaccount:kube-system:generic-garbage-collector';

interface ParsedDeleteOptions {
  propagationPolicy?: PropagationPolicy;
  orphanDependents?: boolean;
  preconditions?: Json;
  dryRun: string[];
}

/** DeleteOptions from the body, or from the query when there is no body (as the DELETE handler decodes them). */
function deleteOptions(query: URLSearchParams, body: Json): ParsedDeleteOptions {
  let policy: Json | undefined;
  let orphan: Json | undefined;
  let preconditions: Json | undefined;
  let dryRun: string[];
  if (isObject(body)) {
    policy = body.propagationPolicy;
    orphan = body.orphanDependents;
    preconditions = body.preconditions;
    dryRun = Array.isArray(body.dryRun) ? body.dryRun.filter((d): d is string => typeof d === 'string') : [];
  } else {
    policy = query.get('propagationPolicy') ?? undefined;
    const o = query.get('orphanDependents');
    orphan = o === null ? undefined : o === 'true' ? true : o === 'false' ? false : o;
    dryRun = query.getAll('dryRun');
  }
  const errors = [];
  if (policy !== undefined && policy !== null && orphan !== undefined && orphan !== null)
    errors.push(
      fieldError.invalid(
        'propagationPolicy',
        policy,
        'orphanDependents and deletionPropagation cannot be both set',
      ),
    );
  if (
    policy !== undefined &&
    policy !== null &&
    !['Foreground', 'Background', 'Orphan'].includes(String(policy))
  )
    errors.push(
      fieldError.notSupported('propagationPolicy', policy, ['Foreground', 'Background', 'Orphan', 'nil']),
    );
  if (orphan !== undefined && orphan !== null && typeof orphan !== 'boolean')
    throw badRequest(`invalid value for orphanDependents: ${JSON.stringify(orphan)}`);
  if (errors.length > 0) throw invalid('DeleteOptions', 'meta.k8s.io', '', errors);
  return {
    ...(typeof policy === 'string' ? { propagationPolicy: policy as PropagationPolicy } : {}),
    ...(typeof orphan === 'boolean' ? { orphanDependents: orphan } : {}),
    ...(preconditions !== undefined ? { preconditions } : {}),
    dryRun,
  };
}

/** deletionFinalizersForGarbageCollection: which of `orphan` / `foregroundDeletion` a delete leaves on the object. */
function gcFinalizers(finalizers: string[], opts: ParsedDeleteOptions): string[] {
  let orphan = false;
  let foreground = false;
  if (opts.orphanDependents !== undefined) orphan = opts.orphanDependents;
  else if (opts.propagationPolicy !== undefined) {
    orphan = opts.propagationPolicy === 'Orphan';
    foreground = opts.propagationPolicy === 'Foreground';
  } else {
    // A finalizer already on the object decides; the first of the two wins (validation forbids both).
    const first = finalizers.find((f) => f === FINALIZER_ORPHAN || f === FINALIZER_FOREGROUND);
    orphan = first === FINALIZER_ORPHAN;
    foreground = first === FINALIZER_FOREGROUND;
  }
  const out = finalizers.filter((f) => f !== FINALIZER_ORPHAN && f !== FINALIZER_FOREGROUND);
  if (orphan) out.push(FINALIZER_ORPHAN);
  if (foreground) out.push(FINALIZER_FOREGROUND);
  return out;
}

/**
 * What decoding a v1 Secret does: `data` values are base64 ([]byte; a bad one fails the decode with 400) and
 * `stringData` is folded into `data` by the conversion to the internal type, which has no stringData.
 */
function decodeSecret(obj: JsonObject): void {
  const fail = (why: string): StatusError => {
    const gv = typeof obj.apiVersion === 'string' ? obj.apiVersion : 'v1';
    const kind = typeof obj.kind === 'string' && obj.kind ? obj.kind : 'Secret';
    return badRequest(
      `${kind} in version ${JSON.stringify(gv.slice(gv.indexOf('/') + 1))} cannot be handled as a Secret: ${why}`,
    );
  };
  if (obj.data !== undefined && obj.data !== null && !isObject(obj.data))
    throw fail('json: cannot unmarshal into Go struct field Secret.data of type map[string][]uint8');
  const data = isObject(obj.data) ? obj.data : {};
  for (const v of Object.values(data)) {
    if (v === null) continue;
    if (typeof v !== 'string')
      throw fail(`json: cannot unmarshal ${typeof v} into Go struct field Secret.data of type []uint8`);
    const at = base64ErrorOffset(v);
    if (at !== undefined) throw fail(`illegal base64 data at input byte ${at}`);
  }
  if (obj.stringData !== undefined) {
    if (isObject(obj.stringData)) {
      const folded: JsonObject = { ...data };
      for (const [k, v] of Object.entries(obj.stringData))
        folded[k] = Buffer.from(typeof v === 'string' ? v : '', 'utf8').toString('base64');
      if (Object.keys(folded).length > 0) obj.data = folded;
    }
    delete obj.stringData;
  }
}

function withoutTypeMeta(obj: JsonObject): JsonObject {
  const out = { ...obj };
  delete out.apiVersion;
  delete out.kind;
  return out;
}

const INCONSISTENT_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

/** storage.DecodeContinue, with the etcd3 store's wrapping of its errors. */
function decodeContinue(token: string): { rv: number; start: string } {
  const fail = (why: string): StatusError =>
    badRequest(`invalid continue token: continue key is not valid${why}`);
  const bad = /[^A-Za-z0-9_-]/.exec(token);
  if (bad) throw fail(`: illegal base64 data at input byte ${bad.index}`);
  if (token.length % 4 === 1) throw fail(`: illegal base64 data at input byte ${token.length - 1}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (e) {
    throw fail(`: ${(e as Error).message}`);
  }
  if (!isObject(parsed as Json))
    throw fail(': json: cannot unmarshal into Go value of type storage.continueToken');
  const c = parsed as JsonObject;
  if (c.v !== 'meta.k8s.io/v1') throw fail(': server does not recognize this encoding');
  if (typeof c.rv !== 'number' || c.rv === 0)
    throw fail(': incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof c.start !== 'string' || c.start === '')
    throw fail(': encoded start key empty (version meta.k8s.io/v1)');
  return { rv: c.rv, start: c.start };
}

function keyOf(obj: JsonObject): string {
  const m = isObject(obj.metadata) ? obj.metadata : {};
  return `${str(m.namespace) ?? ''}/${str(m.name) ?? ''}`;
}

function validateCrd(obj: JsonObject): ReturnType<typeof fieldError.required>[] {
  const errors: ReturnType<typeof fieldError.required>[] = [];
  const spec = isObject(obj.spec) ? obj.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const group = str(spec.group);
  const plural = str(names.plural);
  if (!group) errors.push(fieldError.required('spec.group'));
  if (!plural) errors.push(fieldError.required('spec.names.plural'));
  if (!str(names.kind)) errors.push(fieldError.required('spec.names.kind'));
  const name = str(meta(obj).name);
  if (group && plural && name !== `${plural}.${group}`) {
    errors.push(fieldError.invalid('metadata.name', name ?? '', `must be spec.names.plural+"."+spec.group`));
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster')
    errors.push(fieldError.notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isObject) : [];
  if (versions.length === 0)
    errors.push(
      fieldError.invalid('spec.versions', [], 'must have exactly one version marked as storage version'),
    );
  else if (versions.filter((v) => v.storage === true).length !== 1) {
    errors.push(
      fieldError.invalid(
        'spec.versions',
        versions.map((v) => v.name ?? null),
        'must have exactly one version marked as storage version',
      ),
    );
  }
  return errors;
}

export { StatusError };
