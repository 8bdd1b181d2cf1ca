// ObjectMeta validation worded as apimachinery's validation package (names, labels, annotations).
import { deepEqual, isObject, type JsonObject } from './json.js';
import { fieldError, type FieldError } from './status.js';

const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const LABEL_VALUE = '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?';
const QUALIFIED_NAME = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';

function subdomainErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 253) out.push('must be no more than 253 characters');
  if (!new RegExp(`^${DNS1123_SUBDOMAIN}$`).test(value)) {
    out.push(
      `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '${DNS1123_SUBDOMAIN}')`,
    );
  }
  return out;
}

function labelErrors(value: string): string[] {
  const out: string[] = [];
  if (value.length > 63) out.push('must be no more than 63 characters');
  if (!new RegExp(`^${DNS1123_LABEL}$`).test(value)) {
    out.push(
      `a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '${DNS1123_LABEL}')`,
    );
  }
  return out;
}

function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  const name = parts.length === 2 ? (parts[1] as string) : key;
  const out: string[] = [];
  if (parts.length > 2) {
    out.push(
      `a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    );
    return out;
  }
  if (parts.length === 2) out.push(...subdomainErrors(parts[0] as string).map((e) => `prefix part ${e}`));
  if (name.length > 63) out.push('name part must be no more than 63 characters');
  if (!new RegExp(`^${QUALIFIED_NAME}$`).test(name)) {
    out.push(
      `name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${QUALIFIED_NAME}')`,
    );
  }
  return out;
}

/** Names of these kinds are DNS labels (63 characters); all others are DNS subdomains (253). */
const labelNamedKinds = new Set(['Namespace', 'Service']);

export function validateObjectMeta(obj: JsonObject, kind: string, namespaced: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const meta = isObject(obj.metadata) ? obj.metadata : {};
  const name = meta.name;
  if (typeof name !== 'string' || name === '') {
    errors.push(fieldError.required('metadata.name', 'name or generateName is required'));
  } else {
    const check = labelNamedKinds.has(kind) ? labelErrors : subdomainErrors;
    for (const msg of check(name)) errors.push(fieldError.invalid('metadata.name', name, msg));
  }
  if (!namespaced && typeof meta.namespace === 'string' && meta.namespace !== '') {
    errors.push(fieldError.forbidden('metadata.namespace', 'not allowed on this type'));
  }
  if (isObject(meta.labels)) {
    for (const [k, v] of Object.entries(meta.labels)) {
      for (const msg of qualifiedNameErrors(k)) errors.push(fieldError.invalid('metadata.labels', k, msg));
      const value = typeof v === 'string' ? v : String(v);
      if (value.length > 63)
        errors.push(fieldError.invalid('metadata.labels', value, 'must be no more than 63 characters'));
      if (!new RegExp(`^${LABEL_VALUE}$`).test(value)) {
        errors.push(
          fieldError.invalid(
            'metadata.labels',
            value,
            `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '${LABEL_VALUE}')`,
          ),
        );
      }
    }
  }
  if (Array.isArray(meta.ownerReferences)) errors.push(...validateOwnerReferences(meta.ownerReferences));
  if (isObject(meta.annotations)) {
    for (const k of Object.keys(meta.annotations)) {
      for (const msg of qualifiedNameErrors(k))
        errors.push(fieldError.invalid('metadata.annotations', k, msg));
    }
    const size = Object.entries(meta.annotations).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    if (size > 262144) errors.push(fieldError.tooLong('metadata.annotations', 262144));
  }
  return errors;
}

/** ValidateSecretUpdate / ValidateConfigMapUpdate: Secret type, and content once `immutable` is set. */
export function validateBuiltinUpdate(obj: JsonObject, old: JsonObject, kind: string): FieldError[] {
  const errors: FieldError[] = [];
  if (kind !== 'Secret' && kind !== 'ConfigMap') return errors;
  if (kind === 'Secret' && obj.type !== old.type)
    errors.push(fieldError.invalid('type', obj.type ?? '', 'field is immutable'));
  if (old.immutable === true) {
    const frozen = 'field is immutable when `immutable` is set';
    if (obj.immutable !== true) errors.push(fieldError.forbidden('immutable', frozen));
    const fields = kind === 'Secret' ? ['data'] : ['data', 'binaryData'];
    for (const f of fields)
      if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) errors.push(fieldError.forbidden(f, frozen));
  }
  return errors;
}

/** The keys ValidateSecret requires for each well-known type. */
const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

function validateSecretType(obj: JsonObject): FieldError[] {
  const data = isObject(obj.data) ? obj.data : {};
  const required = SECRET_REQUIRED_KEYS[typeof obj.type === 'string' ? obj.type : ''] ?? [];
  return required.filter((k) => !(k in data)).map((k) => fieldError.required(`data[${k}]`));
}

/** ValidateService's port checks: ports required (unless headless or ExternalName), names, ranges, duplicates. */
function validateServicePorts(spec: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const ports = Array.isArray(spec.ports) ? spec.ports.filter(isObject) : [];
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName')
    errors.push(fieldError.required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `spec.ports[${i}]`;
    const name = typeof p.name === 'string' ? p.name : '';
    if (ports.length > 1 && name === '') errors.push(fieldError.required(`${path}.name`));
    else if (name !== '') {
      for (const msg of labelErrors(name)) errors.push(fieldError.invalid(`${path}.name`, name, msg));
      if (names.has(name)) errors.push(fieldError.duplicate(`${path}.name`, name));
      else names.add(name);
    }
    const port = p.port;
    if (typeof port !== 'number' || port < 1 || port > 65535)
      errors.push(fieldError.invalid(`${path}.port`, port ?? 0, 'must be between 1 and 65535, inclusive'));
    const protocol = typeof p.protocol === 'string' ? p.protocol : '';
    if (protocol === '') errors.push(fieldError.required(`${path}.protocol`));
    else if (!['SCTP', 'TCP', 'UDP'].includes(protocol))
      errors.push(fieldError.notSupported(`${path}.protocol`, protocol, ['SCTP', 'TCP', 'UDP']));
  });
  // Duplicates are (protocol, port) pairs, printed as the core.ServicePort key the validator builds.
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${String(p.protocol ?? '')}/${String(p.port ?? 0)}`;
    if (seen.has(key)) {
      errors.push({
        type: 'FieldValueDuplicate',
        field: `spec.ports[${i}]`,
        detail: `Duplicate value: core.ServicePort{Name:"", Protocol:${JSON.stringify(String(p.protocol ?? ''))}, AppProtocol:(*string)(nil), Port:${Number(p.port ?? 0)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
      });
    }
    seen.add(key);
  });
  return errors;
}

/** ValidateOwnerReferences: apiVersion, kind, name and uid present; at most one controller. */
function validateOwnerReferences(refs: unknown[]): FieldError[] {
  const errors: FieldError[] = [];
  const path = 'metadata.ownerReferences';
  let firstController = '';
  for (const r of refs) {
    const ref = isObject(r as JsonObject) ? (r as JsonObject) : {};
    const s = (v: unknown): string => (typeof v === 'string' ? v : '');
    const apiVersion = s(ref.apiVersion);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    if (version === '')
      errors.push(fieldError.invalid(`${path}.apiVersion`, apiVersion, 'version must not be empty'));
    if (s(ref.kind) === '')
      errors.push(fieldError.invalid(`${path}.kind`, s(ref.kind), 'kind must not be empty'));
    if (s(ref.name) === '')
      errors.push(fieldError.invalid(`${path}.name`, s(ref.name), 'name must not be empty'));
    if (s(ref.uid) === '')
      errors.push(fieldError.invalid(`${path}.uid`, s(ref.uid), 'uid must not be empty'));
    if (ref.controller === true) {
      const current = `${s(ref.kind)}/${s(ref.name)}`;
      if (firstController === '') firstController = current;
      else
        errors.push({
          type: 'FieldValueInvalid',
          field: path,
          detail: `Invalid value: ${goOwnerReferences(refs)}: Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
        });
    }
  }
  return errors;
}

/** How %#v prints a []metav1.OwnerReference (pointer addresses are the process's; these are stand-ins). */
function goOwnerReferences(refs: unknown[]): string {
  const boolPtr = (v: unknown): string => (typeof v === 'boolean' ? '(*bool)(0xc000010000)' : '(*bool)(nil)');
  const items = refs.map((r) => {
    const ref = isObject(r as JsonObject) ? (r as JsonObject) : {};
    const q = (v: unknown): string => JSON.stringify(typeof v === 'string' ? v : '');
    return `v1.OwnerReference{APIVersion:${q(ref.apiVersion)}, Kind:${q(ref.kind)}, Name:${q(ref.name)}, UID:${q(ref.uid)}, Controller:${boolPtr(ref.controller)}, BlockOwnerDeletion:${boolPtr(ref.blockOwnerDeletion)}}`;
  });
  return `[]v1.OwnerReference{${items.join(', ')}}`;
}

/** Go's base64.StdEncoding.DecodeString error offset for `s`, or undefined when it decodes. */
export function base64ErrorOffset(s: string): number | undefined {
  const isB64 = (c: string): boolean => /[A-Za-z0-9+/]/.test(c);
  const newline = (c: string | undefined): boolean => c === '\n' || c === '\r';
  let si = 0;
  for (;;) {
    let j = 0;
    while (j < 4) {
      if (si === s.length) return j === 0 ? undefined : si - j;
      const c = s[si] as string;
      si++;
      if (newline(c)) continue;
      if (isB64(c)) {
        j++;
        continue;
      }
      if (c !== '=' || j < 2) return si - 1;
      if (j === 2) {
        while (si < s.length && newline(s[si])) si++;
        if (si === s.length) return s.length;
        if (s[si] !== '=') return si - 1;
        si++;
      }
      while (si < s.length && newline(s[si])) si++;
      return si < s.length ? si : undefined;
    }
  }
}

/** A few built-in checks our controllers can trip over (the real validation is far larger). */
export function validateBuiltin(obj: JsonObject, kind: string): FieldError[] {
  const errors: FieldError[] = [];
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  if (kind === 'Service' && spec) errors.push(...validateServicePorts(spec));
  if (kind === 'Deployment') {
    if (!spec || !isObject(spec.selector)) errors.push(fieldError.required('spec.selector'));
    if (spec && typeof spec.replicas === 'number' && spec.replicas < 0) {
      errors.push(fieldError.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
    }
  }
  if ((kind === 'ConfigMap' || kind === 'Secret') && isObject(obj.data)) {
    for (const key of Object.keys(obj.data)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
        errors.push(
          fieldError.invalid(
            `data[${key}]`,
            key,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
          ),
        );
      }
    }
  }
  if (kind === 'Secret') errors.push(...validateSecretType(obj));
  return errors;
}
