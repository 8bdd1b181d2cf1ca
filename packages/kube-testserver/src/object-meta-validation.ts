// ObjectMeta validation worded as apimachinery's validation package (names, labels, annotations).
import { isObject, type JsonObject } from './json.js';
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

/** A few built-in checks our controllers can trip over (the real validation is far larger). */
export function validateBuiltin(obj: JsonObject, kind: string): FieldError[] {
  const errors: FieldError[] = [];
  const spec = isObject(obj.spec) ? obj.spec : undefined;
  if (kind === 'Service' && spec && Array.isArray(spec.ports)) {
    spec.ports.forEach((p, i) => {
      if (!isObject(p)) return;
      const port = p.port;
      if (typeof port !== 'number' || port < 1 || port > 65535) {
        errors.push(
          fieldError.invalid(`spec.ports[${i}].port`, port ?? 0, 'must be between 1 and 65535, inclusive'),
        );
      }
    });
  }
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
            `data`,
            key,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
          ),
        );
      }
    }
  }
  return errors;
}
