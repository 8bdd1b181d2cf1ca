import { useState } from 'react';
import { ErrorState, Loading } from '../components/states.js';
import { fetchProviders, signInLocal } from '../data/session.js';
import { useResource } from '../data/use-resource.js';

export function SignInPage({ signedIn, onSignedIn }: { signedIn: boolean; onSignedIn: () => void }) {
  const [providers, reload] = useResource('providers', fetchProviders);
  const [failure, setFailure] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <section className="sign-in card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in</h1>
      {signedIn ? <p>You are signed in already; signing in again switches the user.</p> : null}
      {providers.state === 'loading' ? <Loading what="sign-in methods" /> : null}
      {providers.state === 'error' ? <ErrorState error={providers.error} retry={reload} /> : null}
      {providers.state === 'ready' ? (
        <>
          {providers.data.github ? (
            <p>
              <a className="button primary" href="/auth/github">
                Sign in with GitHub
              </a>
            </p>
          ) : (
            <p className="muted">No GitHub app is configured on this control plane.</p>
          )}
          {providers.data.local.length ? (
            <div className="local-sign-in" role="group" aria-labelledby="local-title">
              <h2 id="local-title">
                Local sign-in <span className="badge warn">development only</span>
              </h2>
              <p className="muted">
                Offered because no GitHub app is configured: sign in as one of the seeded users, without a
                password.
              </p>
              <ul className="plain">
                {providers.data.local.map((u) => (
                  <li key={u.login}>
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() => {
                        setBusy(true);
                        setFailure(null);
                        signInLocal(u.login).then(onSignedIn, (e: unknown) => {
                          setFailure(e instanceof Error ? e : new Error(String(e)));
                          setBusy(false);
                        });
                      }}
                    >
                      Sign in as {u.login}
                    </button>{' '}
                    <span className="muted">{u.description}</span>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
          {failure ? <ErrorState error={failure} /> : null}
        </>
      ) : null}
    </section>
  );
}
