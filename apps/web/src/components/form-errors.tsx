import type { ReactNode } from 'react';
import { ApiError, type ApiIssue } from '../data/api.js';
import { lineOf, manifestPath, splitPath } from '../domain/resource-yaml.js';

/** An issue path as one string: `spec.rules[0].backendRefs[1].port`. */
export function pathText(path: ApiIssue['path']): string {
  return splitPath(path)
    .map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s))
    .join('');
}

/** The API's validation issues of an error (none for other errors). */
export function issuesOf(error: unknown): { path: string; message: string }[] {
  if (!(error instanceof ApiError)) return [];
  return error.issues.map((i) => ({ path: pathText(i.path), message: i.message }));
}

/** The messages of the issues about `field` or anything inside it. */
export function messagesFor(error: unknown, field: string): string[] {
  return issuesOf(error)
    .filter((i) => i.path === field || i.path.startsWith(`${field}.`) || i.path.startsWith(`${field}[`))
    .map((i) => i.message);
}

/** Ids of form fields by API path; `errorId` names the element that carries a field's error text. */
export const fieldId = (prefix: string, path: string) => `${prefix}-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;
export const errorId = (prefix: string, path: string) => `${fieldId(prefix, path)}-error`;

export function FieldError({ error, prefix, path }: { error: unknown; prefix: string; path: string }) {
  const messages = messagesFor(error, path);
  if (!messages.length) return null;
  return (
    <span className="field-error" id={errorId(prefix, path)} role="alert" data-field={path}>
      {messages.join('; ')}
    </span>
  );
}

/** Props that tie an input to its error (aria-invalid, aria-describedby) and give it its id. */
export function fieldProps(error: unknown, prefix: string, path: string) {
  const bad = messagesFor(error, path).length > 0;
  return {
    id: fieldId(prefix, path),
    'aria-invalid': bad ? true : undefined,
    'aria-describedby': bad ? errorId(prefix, path) : undefined,
  } as const;
}

/**
 * What the API refused, above the form: the message, the request id, and every issue no field of the form
 * shows (`shown` says which paths have a field).
 */
export function FormAlert({
  error,
  shown = () => false,
  children,
}: {
  error: unknown;
  shown?: (path: string) => boolean;
  children?: ReactNode;
}) {
  if (!error) return null;
  const e = error instanceof Error ? error : new Error(String(error));
  const rest = issuesOf(error).filter((i) => !shown(i.path));
  return (
    <div className="state state-error" role="alert" data-testid="form-error">
      <p>
        <strong>Not saved.</strong> {e.message}
      </p>
      {rest.length ? (
        <ul>
          {rest.map((i) => (
            <li key={`${i.path}:${i.message}`}>
              <code>{i.path}</code>: {i.message}
            </li>
          ))}
        </ul>
      ) : null}
      {e instanceof ApiError && e.requestId ? <p className="muted">Request id: {e.requestId}</p> : null}
      {children}
    </div>
  );
}

/** An error of the YAML editor: a parse error of the text, or the API's issues placed on their lines. */
export type YamlProblem = { line: number | null; path?: string; message: string };

export function yamlProblems(error: unknown, text: string): YamlProblem[] {
  return issuesOf(error).map((i) => {
    const p = manifestPath(i.path);
    return { line: lineOf(text, p), path: pathText(p), message: i.message };
  });
}

/** A Gateway API YAML editor: a monospace text area with its problems listed beside it, each with its line. */
export function YamlEditor({
  id,
  label,
  value,
  onChange,
  problems,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  problems: YamlProblem[];
}) {
  const lines = value.split('\n').length;
  return (
    <div className="yaml-editor">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className="yaml"
        spellCheck={false}
        value={value}
        rows={Math.min(32, Math.max(12, lines + 1))}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={problems.length ? true : undefined}
        aria-describedby={problems.length ? `${id}-error` : undefined}
      />
      {problems.length ? (
        <div className="field-error" id={`${id}-error`} role="alert" data-testid="yaml-error">
          <ul className="plain">
            {problems.map((p, i) => (
              <li key={i}>
                {p.line ? `Line ${p.line}: ` : ''}
                {p.path ? <code>{p.path}</code> : null}
                {p.path ? ': ' : ''}
                {p.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

/** Form or YAML: the same resource edited either way. */
export function ModeSwitch({
  mode,
  onMode,
  formDisabled,
}: {
  mode: 'form' | 'yaml';
  onMode: (m: 'form' | 'yaml') => void;
  formDisabled?: string;
}) {
  return (
    <fieldset className="plain-fieldset mode-switch">
      <legend className="sr-only">Edit as</legend>
      <label>
        <input
          type="radio"
          name="mode"
          checked={mode === 'form'}
          disabled={Boolean(formDisabled)}
          onChange={() => onMode('form')}
        />{' '}
        Form
      </label>
      <label>
        <input type="radio" name="mode" checked={mode === 'yaml'} onChange={() => onMode('yaml')} /> YAML
      </label>
      {formDisabled ? <span className="muted">{formDisabled}</span> : null}
    </fieldset>
  );
}
