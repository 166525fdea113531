// AI Analyst incidents: the stored incident events grouped by incident group, highest score first, each
// group with its events (score, title, time, acknowledged) linking to the event's own page.
import { useQuery } from '@tanstack/react-query';
import type { MouseEvent } from 'react';
import { api } from '../api/client.ts';
import type { SearchResult } from '../api/types.ts';
import { ago, isoTime, score } from '../lib/format.ts';
import { groupIncidents } from '../lib/incidents.ts';
import { detectionPath, parseSearch, searchToApi, searchToUrl } from '../lib/search.ts';
import { useFallbackPoll } from '../live.ts';
import { navigate, useLocation } from '../router.ts';

/** The newest events grouped (a group's older events beyond this are in the Detections search). */
const EVENTS = 1000;

export function IncidentsPage() {
  const { search: qs } = useLocation();
  const search = { ...parseSearch(qs), family: 'ai_analyst' as const };
  const events = useQuery({
    queryKey: ['detections', 'incidents', searchToUrl(search)],
    queryFn: () => api<SearchResult>(searchToApi(search, { limit: EVENTS, offset: 0 })),
    refetchInterval: useFallbackPoll(15_000),
  });
  const groups = groupIncidents(events.data?.items ?? []);
  const go = (to: string) => (e: MouseEvent) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey) return;
    e.preventDefault();
    navigate(to);
  };
  return (
    <>
      <div className="page-head">
        <h1>AI Analyst incidents</h1>
        <a href={`/detections${searchToUrl(search)}`} onClick={go(`/detections${searchToUrl(search)}`)}>
          These events in the Detections search
        </a>
      </div>
      {events.error && (
        <p className="error" role="alert">
          {events.error.message}
        </p>
      )}
      <p className="count" aria-live="polite">
        {events.isPending
          ? 'Loading…'
          : `${groups.length.toLocaleString('en')} incident${groups.length === 1 ? '' : 's'} from ${(events.data?.items.length ?? 0).toLocaleString('en')} events${(events.data?.total ?? 0) > EVENTS ? ` (the newest ${EVENTS.toLocaleString('en')} of ${events.data!.total.toLocaleString('en')})` : ''}`}
      </p>
      <ol className="incidents">
        {groups.map((g) => (
          <li key={g.id} className="incident" data-group={g.id}>
            <div className="incident-head">
              <h2>
                <span className="score" title="incident score, 0–100">
                  {score(g.score, 100)}
                </span>{' '}
                {g.events[0].row.title}
              </h2>
              <span className="muted">
                group <code>{g.id}</code> · {g.events.length} event{g.events.length === 1 ? '' : 's'} · latest{' '}
                <time title={isoTime(g.latest)}>{ago(g.latest)}</time>
                {g.acknowledged ? ' · acknowledged' : ''}
              </span>
            </div>
            <table className="plain">
              <thead>
                <tr>
                  <th scope="col">Score</th>
                  <th scope="col">Event</th>
                  <th scope="col">Time (UTC)</th>
                  <th scope="col">Acknowledged</th>
                </tr>
              </thead>
              <tbody>
                {g.events.map(({ row, score: s }) => (
                  <tr key={row.key} data-key={row.key}>
                    <td>{s === undefined ? '–' : score(s, 100)}</td>
                    <td>
                      <a href={detectionPath(row.key)} onClick={go(detectionPath(row.key))}>
                        {row.title}
                      </a>
                    </td>
                    <td>{isoTime(row.eventTime)}</td>
                    <td>{row.acknowledged ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </li>
        ))}
      </ol>
    </>
  );
}
