import { useState, type FormEvent } from 'react';
import { FieldError, fieldProps, FormAlert } from '../components/form-errors.js';
import { Empty, ErrorState, Loading } from '../components/states.js';
import { saveTemplate } from '../data/editors.js';
import { loadTemplates, type Template } from '../data/pages.js';
import { useSession } from '../data/session.js';
import { useResource } from '../data/use-resource.js';

/** Numbers stay numbers; anything else goes to the API as typed, so its validation names the field. */
const num = (s: string): number | string => (/^\s*\d+\s*$/.test(s) ? Number(s) : s);

/** Templates: every member reads them; admins create and edit the account's own (starters are read-only). */
export default function TemplatesPage() {
  const session = useSession();
  const canEdit = session.role !== 'viewer';
  const [list, reload] = useResource('templates', async () => ({ items: await loadTemplates() }));
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">Templates</h1>
      <p className="muted">
        A template says how a gateway is built: its address pool, DNS name, proxy image and replicas.
        {canEdit ? '' : ' Only admins of the account can change them.'}
      </p>
      {list.state === 'loading' ? <Loading what="the templates" /> : null}
      {list.state === 'error' ? <ErrorState error={list.error} retry={reload} /> : null}
      {list.state === 'ready' && list.data.items.length === 0 ? (
        <Empty>
          <p>This account has no templates yet.</p>
        </Empty>
      ) : null}
      {list.state === 'ready' && list.data.items.length ? (
        <table className="table" data-testid="templates">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Address pool</th>
              <th scope="col">DNS name</th>
              <th scope="col">Replicas</th>
              <th scope="col">Description</th>
              {canEdit ? (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((t) =>
              editing === t.id ? (
                <tr key={t.id}>
                  <td colSpan={canEdit ? 6 : 5}>
                    <TemplateForm
                      template={t}
                      onDone={() => {
                        setEditing(null);
                        reload();
                      }}
                    />
                  </td>
                </tr>
              ) : (
                <tr key={t.id} data-template={t.name}>
                  <td>
                    {t.name} {t.accountId ? null : <span className="badge">starter</span>}
                  </td>
                  <td>{t.poolName}</td>
                  <td>
                    <code>{t.dnsNameTemplate}</code>
                  </td>
                  <td>{t.replicas}</td>
                  <td>{t.description ?? '—'}</td>
                  {canEdit ? (
                    <td>
                      {t.accountId ? (
                        <button type="button" onClick={() => setEditing(t.id)}>
                          Edit {t.name}
                        </button>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ),
            )}
          </tbody>
        </table>
      ) : null}
      {canEdit ? (
        <>
          <h2>New template</h2>
          <TemplateForm onDone={reload} />
        </>
      ) : null}
    </section>
  );
}

function TemplateForm({ template, onDone }: { template?: Template; onDone: () => void }) {
  const P = template ? `tpl-${template.name}` : 'tpl-new';
  const [name, setName] = useState('');
  const [poolName, setPoolName] = useState(template?.poolName ?? 'default');
  const [dnsNameTemplate, setDns] = useState(template?.dnsNameTemplate ?? '');
  const [replicas, setReplicas] = useState(String(template?.replicas ?? 1));
  const [description, setDescription] = useState(template?.description ?? '');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    const fields = {
      poolName,
      replicas: num(replicas),
      ...(dnsNameTemplate ? { dnsNameTemplate } : {}),
      ...(description ? { description } : {}),
    };
    // Over GraphQL, replicas go as typed (a number or the text), so the API names a bad one.
    saveTemplate(template?.id ?? null, template ? fields : { name, ...fields }).then(
      () => {
        setBusy(false);
        if (!template) setName('');
        onDone();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err);
      },
    );
  };
  const field = (path: string, label: string, value: string, set: (v: string) => void) => (
    <>
      <label htmlFor={fieldProps(error, P, path).id}>{label}</label>
      <input {...fieldProps(error, P, path)} value={value} onChange={(e) => set(e.target.value)} />
      <FieldError error={error} prefix={P} path={path} />
    </>
  );
  const label = template ? `Edit template ${template.name}` : 'New template';
  return (
    <form className="editor" onSubmit={submit} aria-label={label} noValidate>
      <FormAlert
        error={error}
        shown={(p) => /^(name|poolName|dnsNameTemplate|replicas|description)$/.test(p)}
      />
      <div className="fields">
        {template ? null : field('name', 'Template name', name, setName)}
        {field('poolName', 'Address pool', poolName, setPoolName)}
        {field('dnsNameTemplate', 'DNS name template', dnsNameTemplate, setDns)}
        {field('replicas', 'Replicas', replicas, setReplicas)}
        {field('description', 'Description', description, setDescription)}
      </div>
      <p className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {template ? 'Save template' : 'Create template'}
        </button>{' '}
        {template ? (
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        ) : null}
      </p>
    </form>
  );
}
