import type { ReactNode } from 'react';
import type { ApiError } from '../data/api.js';

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function ErrorState({ error, retry }: { error: ApiError | Error; retry?: () => void }) {
  const requestId = 'requestId' in error ? error.requestId : undefined;
  return (
    <div className="state state-error" role="alert">
      <p>
        <strong>Something went wrong.</strong> {error.message}
      </p>
      {requestId ? <p className="muted">Request id: {requestId}</p> : null}
      {retry ? (
        <button type="button" onClick={retry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}
