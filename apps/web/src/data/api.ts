/**
 * The API client of the Service Manager: same-origin requests carrying the session cookie, with the CSRF token
 * of the session on every mutation. Errors keep the API's code, issues (field paths) and request id so forms
 * can show them next to the field.
 */
export interface ApiIssue {
  path: (string | number)[] | string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: ApiIssue[] = [],
    readonly requestId?: string,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;

/** Set from the session answer; sent as `x-csrf-token` on every non-GET request. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The headers of a same-origin call: JSON, and the CSRF token on anything but a read. */
export function callHeaders(method: string, hasBody: boolean): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (hasBody) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  return headers;
}

export async function request<T>(
  method: string,
  url: string,
  body?: unknown,
  answer?: Promise<Response>,
): Promise<T> {
  return (await requestWithText<T>(method, url, body, answer)).data;
}

/**
 * The answer and its raw text: two equal texts are the same answer, compared without serialising again.
 * `answer`: a response already requested for this very call (index.html asks for the session early).
 */
export async function requestWithText<T>(
  method: string,
  url: string,
  body?: unknown,
  answer?: Promise<Response>,
): Promise<{ data: T; text: string }> {
  const headers = callHeaders(method, body !== undefined);
  const res = await (answer ??
    fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }));
  const text = await res.text();
  const data: unknown = text ? safeJson(text) : undefined;
  if (!res.ok) {
    const e = (data ?? {}) as { error?: string; message?: string; issues?: ApiIssue[]; requestId?: string };
    throw new ApiError(
      res.status,
      e.error ?? 'Error',
      e.message ?? `${method} ${url}: HTTP ${res.status}`,
      e.issues ?? [],
      e.requestId,
    );
  }
  return { data: data as T, text };
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { message: text };
  }
}

export const api = {
  get: <T>(path: string) => request<T>('GET', `/api/v1${path}`),
  getWithText: <T>(path: string) => requestWithText<T>('GET', `/api/v1${path}`),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', `/api/v1${path}`, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', `/api/v1${path}`, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', `/api/v1${path}`, body),
  delete: <T>(path: string) => request<T>('DELETE', `/api/v1${path}`),
};
