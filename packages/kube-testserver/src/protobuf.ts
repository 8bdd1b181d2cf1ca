// Just enough of the Kubernetes protobuf encoding (k8s.io/apimachinery/pkg/runtime/serializer/protobuf) to
// read the bodies kubectl's typed generators send (`kubectl create configmap|secret|namespace|serviceaccount`
// always POST `application/vnd.kubernetes.protobuf`, and client-go only falls back to JSON from CBOR).
// A body is the magic `k8s\0` and a runtime.Unknown {typeMeta, raw}; raw is the object's generated message.
import type { Json, JsonObject } from './json.js';
import { StatusError } from './status.js';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

interface Field {
  no: number;
  wire: number;
  /** Varint value (wire 0) or bytes (wire 2). */
  varint?: bigint;
  bytes?: Buffer;
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('unexpected end of data');
      const b = buf[pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint overflow');
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) out.push({ no, wire, varint: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('unexpected end of data');
      out.push({ no, wire, bytes: buf.subarray(pos, pos + len) });
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`illegal wire type ${wire}`);
  }
  return out;
}

const text = (f: Field): string => (f.bytes ?? Buffer.alloc(0)).toString('utf8');

function mapEntry(f: Field, valueAsBase64: boolean): [string, string] {
  let key = '';
  let value = '';
  for (const e of fields(f.bytes ?? Buffer.alloc(0))) {
    if (e.no === 1) key = text(e);
    else if (e.no === 2) value = valueAsBase64 ? (e.bytes ?? Buffer.alloc(0)).toString('base64') : text(e);
  }
  return [key, value];
}

function ownerReference(buf: Buffer): JsonObject {
  const ref: JsonObject = {};
  for (const f of fields(buf)) {
    if (f.no === 5) ref.apiVersion = text(f);
    else if (f.no === 1) ref.kind = text(f);
    else if (f.no === 3) ref.name = text(f);
    else if (f.no === 4) ref.uid = text(f);
    else if (f.no === 6) ref.controller = f.varint === 1n;
    else if (f.no === 7) ref.blockOwnerDeletion = f.varint === 1n;
  }
  return ref;
}

/** The ObjectMeta fields a client sets on create (server-set fields are ignored as the server would). */
function objectMeta(buf: Buffer): JsonObject {
  const m: JsonObject = {};
  const labels: JsonObject = {};
  const annotations: JsonObject = {};
  const ownerReferences: Json[] = [];
  const finalizers: Json[] = [];
  for (const f of fields(buf)) {
    if (f.no === 1) m.name = text(f);
    else if (f.no === 2) m.generateName = text(f);
    else if (f.no === 3) m.namespace = text(f);
    else if (f.no === 6) m.resourceVersion = text(f);
    else if (f.no === 11) {
      const [k, v] = mapEntry(f, false);
      labels[k] = v;
    } else if (f.no === 12) {
      const [k, v] = mapEntry(f, false);
      annotations[k] = v;
    } else if (f.no === 13) ownerReferences.push(ownerReference(f.bytes ?? Buffer.alloc(0)));
    else if (f.no === 14) finalizers.push(text(f));
  }
  // gogo-protobuf writes every non-pointer string, empty or not; JSON clients would omit them.
  for (const k of Object.keys(m)) if (m[k] === '') delete m[k];
  if (Object.keys(labels).length) m.labels = labels;
  if (Object.keys(annotations).length) m.annotations = annotations;
  if (ownerReferences.length) m.ownerReferences = ownerReferences;
  if (finalizers.length) m.finalizers = finalizers;
  return m;
}

type Decoder = (raw: Buffer) => JsonObject;

/** Field numbers from k8s.io/api/core/v1/generated.proto. */
const decoders: Record<string, Decoder> = {
  'v1/ConfigMap': (raw) => {
    const obj: JsonObject = {};
    const data: JsonObject = {};
    const binaryData: JsonObject = {};
    for (const f of fields(raw)) {
      if (f.no === 1) obj.metadata = objectMeta(f.bytes ?? Buffer.alloc(0));
      else if (f.no === 2) {
        const [k, v] = mapEntry(f, false);
        data[k] = v;
      } else if (f.no === 3) {
        const [k, v] = mapEntry(f, true);
        binaryData[k] = v;
      } else if (f.no === 4) obj.immutable = f.varint === 1n;
    }
    if (Object.keys(data).length) obj.data = data;
    if (Object.keys(binaryData).length) obj.binaryData = binaryData;
    return obj;
  },
  'v1/Secret': (raw) => {
    const obj: JsonObject = {};
    const data: JsonObject = {};
    const stringData: JsonObject = {};
    for (const f of fields(raw)) {
      if (f.no === 1) obj.metadata = objectMeta(f.bytes ?? Buffer.alloc(0));
      else if (f.no === 2) {
        const [k, v] = mapEntry(f, true);
        data[k] = v;
      } else if (f.no === 3 && text(f) !== '') obj.type = text(f);
      else if (f.no === 4) {
        const [k, v] = mapEntry(f, false);
        stringData[k] = v;
      } else if (f.no === 5) obj.immutable = f.varint === 1n;
    }
    if (Object.keys(data).length) obj.data = data;
    if (Object.keys(stringData).length) obj.stringData = stringData;
    return obj;
  },
  'v1/Namespace': (raw) => {
    const obj: JsonObject = {};
    for (const f of fields(raw)) if (f.no === 1) obj.metadata = objectMeta(f.bytes ?? Buffer.alloc(0));
    return obj;
  },
  'v1/ServiceAccount': (raw) => {
    const obj: JsonObject = {};
    for (const f of fields(raw)) {
      if (f.no === 1) obj.metadata = objectMeta(f.bytes ?? Buffer.alloc(0));
      else if (f.no === 4) obj.automountServiceAccountToken = f.varint === 1n;
    }
    return obj;
  },
};

/** Decodes a protobuf request body into the JSON object it encodes (as the protobuf serializer would). */
export function decodeProtobuf(body: Buffer): JsonObject {
  if (body.length < MAGIC.length || !body.subarray(0, MAGIC.length).equals(MAGIC))
    throw new StatusError(
      400,
      'BadRequest',
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]',
    );
  try {
    let apiVersion = '';
    let kind = '';
    let raw: Buffer = Buffer.alloc(0);
    for (const f of fields(body.subarray(MAGIC.length))) {
      if (f.no === 1) {
        for (const t of fields(f.bytes ?? Buffer.alloc(0))) {
          if (t.no === 1) apiVersion = text(t);
          else if (t.no === 2) kind = text(t);
        }
      } else if (f.no === 2) raw = f.bytes ?? Buffer.alloc(0);
    }
    const decode = decoders[`${apiVersion}/${kind}`];
    if (!decode) throw new UnreadableKind(apiVersion, kind);
    return { apiVersion, kind, ...decode(raw) };
  } catch (e) {
    if (e instanceof UnreadableKind) throw e;
    throw new StatusError(
      400,
      'BadRequest',
      `the body of the request could not be decoded: ${(e as Error).message}`,
    );
  }
}

/** A protobuf body of a kind this server has no decoder for (the caller answers 415). */
export class UnreadableKind extends Error {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`no protobuf decoder for ${apiVersion}/${kind}`);
  }
}
