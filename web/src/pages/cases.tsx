// Cases: the case-management connectors (GET /api/cases): per connector its system, cases open and
// gone, lag, last error and inbound state, then the latest changes analysts made in cases and what
// they did in Darktrace, and the cases found deleted or hidden in their system.
import { useQuery } from '@tanstack/react-query';
import type { CaseConnector } from '../../../src/cases/connector.ts';
import { api } from '../api/client.ts';
import { ago, isoTime } from '../lib/format.ts';
import { useFallbackPoll } from '../live.ts';

/** One connector as the API answers it (the connector's own status, typed from its source). */
type CaseStatus = Awaited<ReturnType<CaseConnector['status']>>;

export function CasesPage() {
  const list = useQuery({
    queryKey: ['cases'],
    queryFn: () => api<CaseStatus[]>('/api/cases'),
    refetchInterval: useFallbackPoll(5_000) || 15_000,
  });
  const recent = (list.data ?? [])
    .flatMap((c) => c.inbound.recent.map((r) => ({ ...r, connector: c.name })))
    .sort((a, b) => b.at - a.at)
    .slice(0, 20);
  const gone = (list.data ?? []).flatMap((c) => c.goneCases.map((g) => ({ ...g, connector: c.name })));
  return (
    <>
      <div className="page-head">
        <h1>Cases</h1>
      </div>
      {list.error && (
        <p className="error" role="alert">
          {list.error.message}
        </p>
      )}
      {list.data?.length === 0 && (
        <p>
          No case connector: declare them in the config file's cases: section (Request Tracker, Jira,
          ServiceNow).
        </p>
      )}
      {!!list.data?.length && (
        <section className="panel table-wrap" aria-label="Case connectors table">
          <table className="plain cases" aria-label="Case connectors">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">System</th>
                <th scope="col" className="num">
                  Open
                </th>
                <th scope="col" className="num">
                  Gone
                </th>
                <th scope="col" className="num">
                  Lag
                </th>
                <th scope="col">Inbound</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((c) => (
                <tr key={c.name} data-connector={c.name}>
                  <th scope="row">{c.name}</th>
                  <td>
                    {c.type} <span className="muted">(a case per {c.per})</span>
                  </td>
                  <td className="num open">{c.links.open.toLocaleString('en')}</td>
                  <td className="num gone">{c.links.gone.toLocaleString('en')}</td>
                  <td className="num lag">{c.lag.toLocaleString('en')}</td>
                  <td className={c.inbound.lastPollError ? 'last-error' : undefined}>
                    {c.inbound.webhook ? 'webhook and poll' : 'poll'}
                    {c.inbound.lastPollAt && (
                      <span className="muted" title={isoTime(c.inbound.lastPollAt)}>
                        {' '}
                        · polled {ago(c.inbound.lastPollAt)}
                      </span>
                    )}
                    {c.inbound.lastPollError && <> · {c.inbound.lastPollError}</>}
                  </td>
                  <td className={c.lastError ? 'last-error' : 'muted'}>{c.lastError ?? 'none'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {recent.length > 0 && (
        <section className="panel" aria-labelledby="recent-title">
          <h2 id="recent-title">What analysts did in cases</h2>
          <ul className="case-changes">
            {recent.map((r) => (
              <li key={`${r.connector}/${r.id}`} data-change={r.id}>
                <time title={isoTime(r.at)}>{ago(r.at)}</time> · {r.connector}: {r.author} {r.kind} in case{' '}
                <code>{r.caseId}</code> (by {r.via}) → {r.outcome}
                {r.outcome === 'applied' && ` in Darktrace: ${r.ok} done, ${r.failed} failed`}
                {r.error && <span className="error"> {r.error}</span>}
              </li>
            ))}
          </ul>
        </section>
      )}
      {gone.length > 0 && (
        <section className="panel" aria-labelledby="gone-title">
          <h2 id="gone-title">Cases gone from their system</h2>
          <ul>
            {gone.map((g) => (
              <li key={`${g.connector}/${g.caseId}/${g.detectionKey}`}>
                {g.connector}: case <code>{g.caseId}</code> for <code>{g.detectionKey}</code> — {g.reason}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
