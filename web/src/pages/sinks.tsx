// Sinks: each with its format, destination (credentials redacted by the API), offset, lag, last error
// and the next attempt after a failure, kept current by the event stream. Admins can replay a sink
// from a time, an age or a sequence number (POST /api/sinks/:name/reset, audited).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import type { Sink, SinkReset } from '../api/types.ts';
import { ago, isoTime } from '../lib/format.ts';
import { useFallbackPoll } from '../live.ts';
import { can, useSignedIn } from '../session.ts';

export function SinksPage() {
  const me = useSignedIn();
  const admin = can(me.role, 'admin');
  const list = useQuery({
    queryKey: ['sinks'],
    queryFn: () => api<Sink[]>('/api/sinks'),
    // Offsets and errors arrive on the event stream; the next attempt's time is looked at now and then.
    refetchInterval: useFallbackPoll(5_000) || 30_000,
  });
  return (
    <>
      <div className="page-head">
        <h1>Sinks</h1>
      </div>
      {list.error && (
        <p className="error" role="alert">
          {list.error.message}
        </p>
      )}
      {list.data?.length === 0 && <p>No sink: declare them with dtc start --sink or in the config file.</p>}
      {!!list.data?.length && (
        <div className="panel table-wrap">
          <table className="plain sinks" aria-label="Sinks">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Format</th>
                <th scope="col">Destination</th>
                <th scope="col" className="num">
                  Offset
                </th>
                <th scope="col" className="num">
                  Lag
                </th>
                <th scope="col">Last error</th>
                <th scope="col">Next attempt</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.name} data-sink={s.name}>
                  <th scope="row">{s.name}</th>
                  <td>
                    {s.format} <span className="muted">({s.type})</span>
                  </td>
                  <td className="url">{s.url}</td>
                  <td className="num offset">{s.offset.toLocaleString('en')}</td>
                  <td className="num lag">{s.lag.toLocaleString('en')}</td>
                  <td className={s.lastError ? 'last-error' : 'muted'}>
                    {s.lastError ?? 'none'}
                    {s.failedAttempts > 0 && (
                      <span className="muted"> ({s.failedAttempts} failed in a row)</span>
                    )}
                  </td>
                  <td title={s.nextAttemptAt ? isoTime(s.nextAttemptAt) : undefined}>
                    {s.nextAttemptAt ? ago(s.nextAttemptAt) : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {admin && !!list.data?.length && <Replay sinks={list.data} />}
    </>
  );
}

function Replay({ sinks }: { sinks: Sink[] }) {
  const qc = useQueryClient();
  const [name, setName] = useState(sinks[0].name);
  const [to, setTo] = useState('24h');
  const reset = useMutation({
    mutationFn: () =>
      api<SinkReset>(`/api/sinks/${encodeURIComponent(name)}/reset`, {
        method: 'POST',
        body: { to: to.trim() },
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['sinks'] }),
  });
  return (
    <form
      className="panel replay"
      aria-labelledby="replay-title"
      onSubmit={(e) => {
        e.preventDefault();
        reset.mutate();
      }}
    >
      <h2 id="replay-title">Replay a sink</h2>
      <p className="hint">
        Delivers again what was stored from a time on: an age (24h, 7d), an ISO time (2026-12-01T08:00Z),
        epoch milliseconds, or a sequence number (the next delivery starts after it).
      </p>
      <div className="row-form">
        <div className="field">
          <label htmlFor="replay-sink">Sink</label>
          <select id="replay-sink" value={name} onChange={(e) => setName(e.currentTarget.value)}>
            {sinks.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <label>
          From
          <input value={to} onChange={(e) => setTo(e.currentTarget.value)} required maxLength={100} />
        </label>
        <button type="submit" disabled={reset.isPending}>
          Replay
        </button>
      </div>
      {reset.error && (
        <p className="error" role="alert">
          {reset.error.message}
        </p>
      )}
      {reset.data && (
        <p className="done" role="status">
          {reset.data.name}: offset {reset.data.before.toLocaleString('en')} →{' '}
          {reset.data.offset.toLocaleString('en')}; {reset.data.lag.toLocaleString('en')} to deliver again.
        </p>
      )}
    </form>
  );
}
