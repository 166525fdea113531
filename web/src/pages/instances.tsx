// Instances: a tile each with its state in colour and words, the last successful poll and the last
// error as the collector worded it, kept current by the event stream. Admins get the Enabled switch,
// a Test button (each check with a tick or the reason), and the settings form to add or edit an
// instance (tested by the API before anything is saved; an edit sends only what changed). Instances
// from the config file show their settings read-only, with the file they come from.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import type { CheckStep, ConnectionCheck, Instance, InstanceDetail } from '../api/types.ts';
import { ago, interval, isoTime, stateWords } from '../lib/format.ts';
import { formValues, type InstanceFormValues, type TlsMode, toInput, toPatch } from '../lib/instance-form.ts';
import { useFallbackPoll } from '../live.ts';
import { can, useSignedIn } from '../session.ts';

const path = (name: string) => `/api/instances/${encodeURIComponent(name)}`;

export function InstancesPage() {
  const me = useSignedIn();
  const admin = can(me.role, 'admin');
  // null: the Add form; a name: that instance's settings.
  const [editing, setEditing] = useState<string | null | undefined>(undefined);
  const list = useQuery({
    queryKey: ['instances'],
    queryFn: () => api<Instance[]>('/api/instances'),
    // Status changes arrive on the event stream; poll only while it is down.
    refetchInterval: useFallbackPoll(3_000),
  });
  const edited = editing ? list.data?.find((i) => i.name === editing) : undefined;
  return (
    <>
      <div className="page-head">
        <h1>Instances</h1>
        {admin && editing === undefined && (
          <button type="button" onClick={() => setEditing(null)}>
            Add instance
          </button>
        )}
      </div>
      {editing !== undefined && (editing === null || edited) && (
        <InstanceForm
          key={editing ?? ''}
          instance={edited}
          admin={admin}
          onDone={() => setEditing(undefined)}
        />
      )}
      {list.error && (
        <p className="error" role="alert">
          {list.error.message}
        </p>
      )}
      {list.data?.length === 0 && <p>No instance yet{admin ? ': add one.' : '.'}</p>}
      <ul className="tiles" aria-label="Instances">
        {list.data?.map((i) => (
          <Tile key={i.name} instance={i} admin={admin} onEdit={() => setEditing(i.name)} />
        ))}
      </ul>
    </>
  );
}

function Tile({ instance: i, admin, onEdit }: { instance: Instance; admin: boolean; onEdit: () => void }) {
  const qc = useQueryClient();
  const { word, meaning } = stateWords(i);
  const toggle = useMutation({
    mutationFn: (enabled: boolean) => api<Instance>(path(i.name), { method: 'PATCH', body: { enabled } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['instances'] }),
  });
  const test = useMutation({
    mutationFn: () => api<ConnectionCheck>(`${path(i.name)}/test`, { method: 'POST' }),
  });
  const state = i.enabled ? i.status.state : 'disabled';
  const readOnly = i.source === 'config';
  const [tab, setTab] = useState<'status' | 'health'>('status');
  const tabId = (t: string) => `tile-${i.name}-${t}`;
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
      <div className="tile-tabs" role="tablist" aria-label={`${i.name}: status or health`}>
        {(['status', 'health'] as const).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`${tabId(t)}-tab`}
            aria-selected={tab === t}
            aria-controls={tabId(t)}
            className="ghost"
            onClick={() => setTab(t)}
          >
            {t === 'status' ? 'Status' : 'Health'}
          </button>
        ))}
      </div>
      {tab === 'health' ? (
        <div role="tabpanel" id={tabId('health')} aria-labelledby={`${tabId('health')}-tab`}>
          <Health instance={i} />
        </div>
      ) : (
        <div role="tabpanel" id={tabId('status')} aria-labelledby={`${tabId('status')}-tab`}>
          <dl className="facts">
            <dt>URL</dt>
            <dd className="url">{i.url}</dd>
            <dt>Last successful poll</dt>
            <dd title={isoTime(i.status.lastSuccessAt)}>{ago(i.status.lastSuccessAt)}</dd>
            <dt>Detections, last 24 h</dt>
            <dd className="recent">{(i.detections24h ?? 0).toLocaleString('en')}</dd>
            <dt>Polls every</dt>
            <dd>{interval(i.pollIntervalSeconds)}</dd>
            {i.status.lastError && (
              <>
                <dt>Last error</dt>
                <dd className="last-error">{i.status.lastError}</dd>
              </>
            )}
          </dl>
        </div>
      )}
      {i.simulated && <p className="note">Simulated: fed by the embedded demo appliance.</p>}
      {readOnly && <p className="note">Declared in {i.configFile ?? 'the config file'}: change it there.</p>}
      <div className="tile-actions">
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
        <span className="spacer" />
        {admin && (
          <button type="button" className="ghost" onClick={() => test.mutate()} disabled={test.isPending}>
            {test.isPending ? 'Testing…' : 'Test'}
          </button>
        )}
        {admin && !i.simulated && (
          <button type="button" className="ghost" onClick={onEdit}>
            {readOnly ? 'Settings' : 'Edit'}
          </button>
        )}
      </div>
      {test.data?.steps && <Steps steps={test.data.steps} label={`Connection test of ${i.name}`} />}
      {(toggle.error ?? test.error) && (
        <p className="error" role="alert">
          {(toggle.error ?? test.error)?.message}
        </p>
      )}
    </li>
  );
}

/** The connection-check history (scheduled checks and tests) and the recent poll errors, in words. */
function Health({ instance: i }: { instance: Instance }) {
  const detail = useQuery({
    queryKey: ['instance', i.name],
    queryFn: () => api<InstanceDetail>(path(i.name)),
    refetchInterval: 10_000,
  });
  const checks = detail.data?.connectionChecks ?? [];
  const errors = i.status.recentErrors ?? [];
  return (
    <div className="health">
      <h3>Recent poll errors</h3>
      {errors.length === 0 ? (
        <p className="muted">None since the service started.</p>
      ) : (
        <ul className="poll-errors" aria-label={`Recent poll errors of ${i.name}`}>
          {errors.map((e, n) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: two errors may share a time
            <li key={n}>
              <time dateTime={e.at} title={isoTime(e.at)}>
                {ago(e.at)}
              </time>{' '}
              {e.error}
            </li>
          ))}
        </ul>
      )}
      <h3>Connection checks</h3>
      {detail.error ? (
        <p className="error">{detail.error.message}</p>
      ) : checks.length === 0 ? (
        <p className="muted">{detail.isPending ? 'Loading…' : 'No check yet: press Test.'}</p>
      ) : (
        <ul className="check-history" aria-label={`Connection checks of ${i.name}`}>
          {checks.map((c, n) => {
            const at = (c as { at?: number }).at;
            const error = (c as { error?: string | null }).error;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: checks are listed newest first, as stored
              <li key={n} data-result={c.ok ? 'passed' : 'failed'}>
                <span className="tick" aria-hidden="true">
                  {c.ok ? '✓' : '✗'}
                </span>
                <time title={isoTime(at)}>{ago(at)}</time>{' '}
                {c.ok
                  ? `passed${typeof c.latencyMs === 'number' ? ` in ${Math.round(c.latencyMs)} ms` : ''}`
                  : `failed: ${error ?? 'no reason recorded'}`}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

const STEP_NAMES: Record<CheckStep['step'], string> = {
  reachable: 'Reachable',
  tls: 'TLS',
  signature: 'Signature',
  clock: 'Clock',
  permissions: 'Permissions',
};

/** Each check of a connection test: a tick, a cross or a dash (not checked), and the reason. */
export function Steps({ steps, label }: { steps: CheckStep[]; label: string }) {
  return (
    <ul className="steps" aria-label={label}>
      {steps.map((s) => {
        const mark = s.ok ? 'passed' : s.skipped ? 'not checked' : 'failed';
        return (
          <li key={s.step} data-step={s.step} data-result={mark}>
            <span className="mark" aria-hidden="true">
              {s.ok ? '✓' : s.skipped ? '–' : '✗'}
            </span>
            <span className="step-name">
              {STEP_NAMES[s.step]}
              <span className="sr-only"> {mark}</span>
            </span>
            <span className="reason">{s.reason}</span>
          </li>
        );
      })}
    </ul>
  );
}

function InstanceForm(props: { instance?: Instance; admin: boolean; onDone: () => void }) {
  const { instance } = props;
  const qc = useQueryClient();
  const [initial] = useState(() => formValues(instance));
  const [v, setV] = useState(initial);
  const readOnly = instance?.source === 'config' || !props.admin;
  const save = useMutation({
    mutationFn: async () => {
      if (!instance) return api<Instance>('/api/instances', { method: 'POST', body: toInput(v) });
      const patch = toPatch(initial, v);
      if (!Object.keys(patch).length) return instance;
      return api<Instance>(path(instance.name), { method: 'PATCH', body: patch });
    },
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: ['instances'] });
      props.onDone();
    },
  });
  const failedSteps =
    save.error instanceof ApiError
      ? (save.error.body as { steps?: CheckStep[] } | undefined)?.steps
      : undefined;
  const field = (k: keyof InstanceFormValues) => ({
    name: k,
    value: v[k],
    onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
      setV({ ...v, [k]: e.currentTarget.value }),
  });
  const title = instance ? `${readOnly ? 'Settings of' : 'Edit'} ${instance.name}` : 'Add an instance';
  return (
    <form
      className="panel instance-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      aria-labelledby="form-title"
    >
      <h2 id="form-title">{title}</h2>
      {instance?.source === 'config' ? (
        <p className="hint">
          Declared in <code>{instance.configFile ?? 'the config file'}</code>: read-only here; change it there
          and restart.
        </p>
      ) : (
        <p className="hint">
          A change of the connection is tested first: nothing is saved unless the appliance answers.
        </p>
      )}
      <fieldset disabled={readOnly}>
        <legend className="sr-only">Settings</legend>
        <div className="grid-form">
          {!instance && (
            <label>
              Name
              <input {...field('name')} required />
            </label>
          )}
          <label>
            URL
            <input {...field('url')} type="url" required placeholder="https://dt.example.com" />
          </label>
          <label>
            Public token
            <input {...field('publicToken')} required autoComplete="off" />
          </label>
          <label>
            Private token
            <input
              {...field('privateToken')}
              type="password"
              required={!instance}
              autoComplete="new-password"
              placeholder={instance ? (readOnly ? 'stored, never shown' : 'unchanged') : undefined}
            />
            <span className="hint">
              {readOnly
                ? 'write-only'
                : instance
                  ? 'write-only: leave empty to keep the stored one'
                  : 'write-only: stored encrypted, never shown again'}
            </span>
          </label>
          <label>
            Poll every (seconds)
            <input {...field('pollIntervalSeconds')} type="number" min={10} max={86400} required />
          </label>
          <label>
            First fetch looks back (hours)
            <input {...field('lookbackHours')} type="number" min={0} max={8760} step="any" required />
          </label>
          <label>
            Minimum score (0 to 1)
            <input {...field('minScore')} type="number" min={0} max={1} step={0.01} required />
          </label>
          <label>
            Maximum per poll
            <input {...field('maxItemsPerPoll')} type="number" min={100} max={1000000} required />
          </label>
          <label>
            TLS
            <select
              {...field('tlsMode')}
              onChange={(e) => setV({ ...v, tlsMode: e.currentTarget.value as TlsMode })}
            >
              <option value="verify">Verify with the system's CAs</option>
              <option value="ca">Verify with a CA file</option>
              <option value="insecure">Insecure: do not verify</option>
            </select>
          </label>
          {v.tlsMode === 'ca' && (
            <label>
              CA file
              <input {...field('caFile')} required placeholder="/etc/ssl/darktrace-ca.pem" />
            </label>
          )}
          <label>
            Proxy
            <input {...field('proxy')} type="url" placeholder="http://proxy.example.com:3128" />
            {!readOnly && <span className="hint">empty: none; a password shown as **** is kept</span>}
          </label>
        </div>
      </fieldset>
      {save.error && (
        <p className="error" role="alert">
          {save.error.message}
        </p>
      )}
      {failedSteps && <Steps steps={failedSteps} label="Connection test" />}
      <div className="actions">
        {!readOnly && (
          <button type="submit" disabled={save.isPending}>
            {save.isPending
              ? 'Testing the connection…'
              : instance
                ? 'Test and save changes'
                : 'Test and save'}
          </button>
        )}
        <button type="button" className="ghost" onClick={props.onDone}>
          {readOnly ? 'Close' : 'Cancel'}
        </button>
      </div>
    </form>
  );
}
