// Reports: the executive report of a chosen period (the last full week by default) and instances,
// opened as its HTML page or downloaded as a PDF from GET /api/reports, with its headline figures
// previewed here from the JSON. The choice lives in the URL, so a report link can be shared.
import { useQuery } from '@tanstack/react-query';
import type { Report } from '../../../src/report/build.ts';
import { api } from '../api/client.ts';
import type { Instance } from '../api/types.ts';
import { navigate, useLocation } from '../router.ts';

const DAY = 86_400_000;

/** The last full week, Monday to Monday UTC, as the CLI and the API default to. */
function lastWeek(now = Date.now()): { from: string; to: string } {
  const today = Math.floor(now / DAY) * DAY;
  const to = today - ((Math.floor(today / DAY) + 3) % 7) * DAY;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: day(to - 7 * DAY), to: day(to) };
}

interface ReportsQuery {
  from: string;
  to: string;
  instances: string[];
}

function parseQuery(search: string): ReportsQuery {
  const p = new URLSearchParams(search);
  const week = lastWeek();
  return {
    from: p.get('from') || week.from,
    to: p.get('to') || week.to,
    instances: p.getAll('instance').filter(Boolean),
  };
}

/** The API's query for this choice: days as UTC midnights (`to` exclusive, as the form says). */
export function reportUrl(q: ReportsQuery, format: 'html' | 'pdf' | 'json'): string {
  const p = new URLSearchParams({ from: `${q.from}T00:00:00Z`, to: `${q.to}T00:00:00Z`, format });
  for (const i of q.instances) p.append('instance', i);
  return `/api/reports?${p}`;
}

const duration = (ms: number | null) =>
  ms === null
    ? '—'
    : ms < 90 * 60_000
      ? `${Math.round(ms / 60_000)} min`
      : `${(ms / 3_600_000).toFixed(1)} h`;

export function ReportsPage() {
  const { search } = useLocation();
  const q = parseQuery(search);
  const set = (change: Partial<ReportsQuery>) => {
    const next = { ...q, ...change };
    const p = new URLSearchParams({ from: next.from, to: next.to });
    for (const i of next.instances) p.append('instance', i);
    navigate(`/reports?${p}`, { replace: true });
  };
  const instances = useQuery({ queryKey: ['instances'], queryFn: () => api<Instance[]>('/api/instances') });
  const valid = q.from < q.to;
  const preview = useQuery({
    queryKey: ['report', q.from, q.to, q.instances.join(',')],
    queryFn: () => api<Report>(reportUrl(q, 'json')),
    enabled: valid,
    staleTime: 60_000,
  });
  const toggle = (name: string, on: boolean) => {
    const next = on ? [...new Set([...q.instances, name])] : q.instances.filter((n) => n !== name);
    set({ instances: next });
  };
  const h = preview.data?.headline;
  const fileName = `dtc-report-${q.from}_${q.to}.pdf`;
  return (
    <>
      <div className="page-head">
        <h1>Reports</h1>
        {valid && (
          <span className="downloads">
            <a href={reportUrl(q, 'html')} target="_blank" rel="noopener">
              Open the report (HTML)
            </a>{' '}
            ·{' '}
            <a href={reportUrl(q, 'pdf')} download={fileName}>
              Download PDF
            </a>
          </span>
        )}
      </div>
      <form className="panel row-form" aria-label="Which report" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="report-from">From (UTC)</label>
          <input
            id="report-from"
            type="date"
            value={q.from}
            onChange={(e) => e.currentTarget.value && set({ from: e.currentTarget.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="report-to">To (UTC, exclusive)</label>
          <input
            id="report-to"
            type="date"
            value={q.to}
            onChange={(e) => e.currentTarget.value && set({ to: e.currentTarget.value })}
          />
        </div>
        <button
          type="button"
          className="ghost"
          onClick={() => set({ ...lastWeek(), instances: q.instances })}
        >
          Last full week
        </button>
        <fieldset>
          <legend>Instances (none chosen: all)</legend>
          {(instances.data ?? []).map((i) => (
            <label key={i.name} className="check">
              <input
                type="checkbox"
                name="instance"
                value={i.name}
                checked={q.instances.includes(i.name)}
                onChange={(e) => toggle(i.name, e.currentTarget.checked)}
              />{' '}
              {i.name}
            </label>
          ))}
        </fieldset>
      </form>
      {!valid && (
        <p className="error" role="alert">
          The end of the period must be after its start.
        </p>
      )}
      {preview.error && (
        <p className="error" role="alert">
          {preview.error.message}
        </p>
      )}
      {h && preview.data && (
        <section className="panel table-wrap" aria-label="Report preview">
          <table className="plain report-preview" aria-label="Headline figures against the previous period">
            <thead>
              <tr>
                <th scope="col">Figure</th>
                <th scope="col" className="num">
                  This period
                </th>
                <th scope="col" className="num">
                  Previous period
                </th>
              </tr>
            </thead>
            <tbody>
              {(
                [
                  ['Detections', h.detections, preview.data.previous.detections],
                  ['High or critical', h.highOrCritical, preview.data.previous.highOrCritical],
                  ['AI Analyst incidents', h.incidents, preview.data.previous.incidents],
                  ['RESPOND actions', h.respondActions, preview.data.previous.respondActions],
                  [
                    'Median time to acknowledge',
                    duration(h.timeToAck.medianMs),
                    duration(preview.data.previous.timeToAck.medianMs),
                  ],
                  [
                    '90th percentile time to acknowledge',
                    duration(h.timeToAck.p90Ms),
                    duration(preview.data.previous.timeToAck.p90Ms),
                  ],
                  ['Open at period end', h.open, preview.data.previous.open],
                ] as const
              ).map(([label, now, before]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  <td className="num">{typeof now === 'number' ? now.toLocaleString('en') : now}</td>
                  <td className="num">{typeof before === 'number' ? before.toLocaleString('en') : before}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
