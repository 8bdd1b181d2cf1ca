import { useState, type FormEvent } from 'react';
import { FieldError, fieldProps, FormAlert } from '../components/form-errors.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { createAddressPool, deleteAddressPool, loadAddressPools, type AddressPool } from '../data/pages.js';
import { useSession } from '../data/session.js';
import { useResource } from '../data/use-resource.js';

const P = 'pool';

/** Address pools with their use: members read them; admins add the account's own and delete unused ones. */
export default function AddressPoolsPage() {
  const session = useSession();
  const canEdit = session.role !== 'viewer';
  const [list, reload] = useResource('pools', async () => ({ items: await loadAddressPools() }));
  const [name, setName] = useState('');
  const [spec, setSpec] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    createAddressPool(name, spec).then(
      () => {
        setBusy(false);
        setName('');
        setSpec('');
        reload();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  const remove = (p: AddressPool) => {
    setError(null);
    deleteAddressPool(p.id).then(reload, setError);
  };
  return (
    <section aria-labelledby="pools-title">
      <h1 id="pools-title">Address pools</h1>
      <p className="muted">
        Gateways take their addresses from the pool their template names; an account pool wins over a global
        one of the same name.{canEdit ? '' : ' Only admins of the account can change them.'}
      </p>
      {list.state === 'loading' ? <Loading what="the address pools" /> : null}
      {list.state === 'error' ? <ErrorState error={list.error} retry={reload} /> : null}
      {list.state === 'ready' && list.data.items.length === 0 ? (
        <Empty>
          <p>There are no address pools yet: gateways cannot get an address.</p>
        </Empty>
      ) : null}
      {list.state === 'ready' && list.data.items.length ? (
        <table data-testid="pools">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Addresses</th>
              <th scope="col">Family</th>
              <th scope="col">In use</th>
              <th scope="col">Scope</th>
              {canEdit ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((p) => (
              <tr key={p.id} data-pool={p.name}>
                <td>{p.name}</td>
                <td>
                  <code>{p.spec}</code>
                </td>
                <td>{p.family}</td>
                <td>
                  {p.allocated} of {p.size}
                </td>
                <td>{p.global ? <span className="badge">global</span> : 'this account'}</td>
                {canEdit ? (
                  <td>
                    {!p.global && p.allocated === 0 ? (
                      <button type="button" onClick={() => remove(p)}>
                        Delete {p.name}
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {canEdit ? (
        <form className="editor" onSubmit={submit} aria-labelledby="new-pool-title" noValidate>
          <h2 id="new-pool-title">New address pool</h2>
          <FormAlert error={error} shown={(p) => p === 'name' || p === 'spec'} />
          <div className="fields">
            <label htmlFor={fieldProps(error, P, 'name').id}>Pool name</label>
            <input {...fieldProps(error, P, 'name')} value={name} onChange={(e) => setName(e.target.value)} />
            <FieldError error={error} prefix={P} path="name" />
            <label htmlFor={fieldProps(error, P, 'spec').id}>Addresses (CIDR or range)</label>
            <input
              {...fieldProps(error, P, 'spec')}
              value={spec}
              placeholder="192.0.2.0/24"
              onChange={(e) => setSpec(e.target.value)}
            />
            <FieldError error={error} prefix={P} path="spec" />
          </div>
          <p className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Create pool
            </button>
          </p>
        </form>
      ) : null}
    </section>
  );
}
