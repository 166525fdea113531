// Instances: a tile each with its state in colour and words, the last successful poll and the last
// error as the collector worded it; admins get the Enabled switch and the Add form (tested by the API
// before anything is saved).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import type { Instance, InstanceInput } from '../api/types.ts';
import { ago, interval, isoTime, stateWords } from '../lib/format.ts';
import { can, useSignedIn } from '../session.ts';

export function InstancesPage() {
  const me = useSignedIn();
  const admin = can(me.role, 'admin');
  const [adding, setAdding] = useState(false);
  const list = useQuery({
    queryKey: ['instances'],
    queryFn: () => api<Instance[]>('/api/instances'),
    refetchInterval: 3_000,
  });
  return (
    <>
      <div className="page-head">
        <h1>Instances</h1>
        {admin && !adding && (
          <button type="button" onClick={() => setAdding(true)}>
            Add instance
          </button>
        )}
      </div>
      {adding && <AddInstance onDone={() => setAdding(false)} />}
      {list.error && (
        <p className="error" role="alert">
          {list.error.message}
        </p>
      )}
      {list.data?.length === 0 && <p>No instance yet{admin ? ': add one.' : '.'}</p>}
      <ul className="tiles" aria-label="Instances">
        {list.data?.map((i) => (
          <Tile key={i.name} instance={i} admin={admin} />
        ))}
      </ul>
    </>
  );
}

function Tile({ instance: i, admin }: { instance: Instance; admin: boolean }) {
  const qc = useQueryClient();
  const { word, meaning } = stateWords(i);
  const toggle = useMutation({
    mutationFn: (enabled: boolean) =>
      api<Instance>(`/api/instances/${encodeURIComponent(i.name)}`, { method: 'PATCH', body: { enabled } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['instances'] }),
  });
  const state = i.enabled ? i.status.state : 'disabled';
  const readOnly = i.source === 'config';
  return (
    <li className={`tile state-${state}`} data-instance={i.name}>
      <div className="tile-head">
        <h2>{i.name}</h2>
        <span className="state" data-state={state}>
          <span className="dot" aria-hidden="true" />
          {word}
        </span>
      </div>
      <p className="meaning">{meaning}</p>
      <dl className="facts">
        <dt>URL</dt>
        <dd className="url">{i.url}</dd>
        <dt>Last successful poll</dt>
        <dd title={isoTime(i.status.lastSuccessAt)}>{ago(i.status.lastSuccessAt)}</dd>
        <dt>Polls every</dt>
        <dd>{interval(i.pollIntervalS)}</dd>
        {i.status.lastError && (
          <>
            <dt>Last error</dt>
            <dd className="last-error">{i.status.lastError}</dd>
          </>
        )}
      </dl>
      {i.simulated && <p className="note">Simulated: fed by the embedded demo appliance.</p>}
      {readOnly && <p className="note">Declared in {i.configFile ?? 'the config file'}: change it there.</p>}
      <label className="switch">
        <input
          type="checkbox"
          role="switch"
          aria-checked={i.enabled}
          checked={i.enabled}
          disabled={!admin || readOnly || toggle.isPending}
          onChange={(e) => toggle.mutate(e.currentTarget.checked)}
        />
        Enabled
      </label>
      {toggle.error && (
        <p className="error" role="alert">
          {toggle.error.message}
        </p>
      )}
    </li>
  );
}

function AddInstance({ onDone }: { onDone: () => void }) {
  const qc = useQueryClient();
  const add = useMutation({
    mutationFn: (body: InstanceInput) => api<Instance>('/api/instances', { method: 'POST', body }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['instances'] });
      onDone();
    },
  });
  const submit = (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    add.mutate({
      name: text('name'),
      url: text('url'),
      publicToken: text('publicToken'),
      privateToken: String(f.get('privateToken') ?? ''),
      pollIntervalSeconds: Number(text('pollIntervalSeconds') || 300),
    } as InstanceInput);
  };
  return (
    <form className="panel add-instance" onSubmit={submit} aria-labelledby="add-title">
      <h2 id="add-title">Add an instance</h2>
      <p className="hint">The connection is tested first: nothing is saved unless the appliance answers.</p>
      <div className="grid-form">
        <label>
          Name
          <input name="name" required />
        </label>
        <label>
          URL
          <input name="url" type="url" required placeholder="https://dt.example.com" />
        </label>
        <label>
          Public token
          <input name="publicToken" required autoComplete="off" />
        </label>
        <label>
          Private token
          <input name="privateToken" type="password" required autoComplete="new-password" />
          <span className="hint">write-only: stored encrypted, never shown again</span>
        </label>
        <label>
          Poll every (seconds)
          <input name="pollIntervalSeconds" type="number" min={10} max={86400} defaultValue={300} />
        </label>
      </div>
      {add.error && (
        <p className="error" role="alert">
          {add.error.message}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={add.isPending}>
          {add.isPending ? 'Testing the connection…' : 'Test and save'}
        </button>
        <button type="button" className="ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
