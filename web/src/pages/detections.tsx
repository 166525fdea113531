// Detections: the API's search (its query language in the box, filters beside it), all kept in the URL;
// results in a virtualised table that loads more pages as it scrolls, moved through with j/k and
// opened with Enter.
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client.ts';
import type { DetectionRow, Histogram, Instance, SearchResult } from '../api/types.ts';
import { DetectionsChart } from '../components/chart.tsx';
import { useKeys } from '../keyboard.ts';
import { isoTime, SEVERITY_LABELS, score, severityClass, severityLabel } from '../lib/format.ts';
import {
  detectionPath,
  FAMILIES,
  histogramToApi,
  parseSearch,
  type Search,
  searchToApi,
  searchToUrl,
  TIME_RANGES,
  withFilter,
  withRange,
} from '../lib/search.ts';
import { useFallbackPoll } from '../live.ts';
import { navigate, useLocation } from '../router.ts';

const PAGE = 200;
const ROW = 38;

export function DetectionsPage() {
  const { search: qs } = useLocation();
  const search = parseSearch(qs);
  const go = (s: Search) => navigate(`/detections${searchToUrl(s)}`);
  const instances = useQuery({ queryKey: ['instances'], queryFn: () => api<Instance[]>('/api/instances') });

  const results = useInfiniteQuery({
    queryKey: ['detections', searchToUrl(search)],
    queryFn: ({ pageParam }) => api<SearchResult>(searchToApi(search, { limit: PAGE, offset: pageParam })),
    initialPageParam: 0,
    getNextPageParam: (last, all) => {
      const loaded = all.reduce((n, p) => n + p.items.length, 0);
      // A capped total (a common word: "10,000+") is a lower bound: keep loading while pages come back full.
      return (loaded < last.total || (last.totalCapped && last.items.length === PAGE)) &&
        last.items.length > 0
        ? loaded
        : undefined;
    },
    // New detections arrive on the event stream (which refetches this search); poll only while it is down.
    refetchInterval: useFallbackPoll(15_000),
  });
  const histogram = useQuery({
    queryKey: ['histogram', searchToUrl(search)],
    queryFn: () => api<Histogram>(histogramToApi(search, 90)),
    refetchInterval: useFallbackPoll(30_000),
    placeholderData: (previous) => previous,
  });
  const rows = results.data?.pages.flatMap((p) => p.items) ?? [];
  const total = results.data?.pages[0]?.total ?? 0;
  const capped = !!results.data?.pages[0]?.totalCapped;

  return (
    <>
      <h1 className="sr-only">Detections</h1>
      <SearchBar search={search} onSearch={go} instances={instances.data ?? []} />
      {histogram.data && (
        <DetectionsChart histogram={histogram.data} onRange={(from, to) => go(withRange(search, from, to))} />
      )}
      {results.error ? (
        <p className="error" role="alert">
          {results.error.message}
        </p>
      ) : (
        <p className="count" aria-live="polite">
          {results.isPending
            ? 'Searching…'
            : `${total.toLocaleString('en')}${capped ? '+' : ''} detection${total === 1 && !capped ? '' : 's'}${total > rows.length || capped ? `, ${rows.length.toLocaleString('en')} loaded` : ''}`}
        </p>
      )}
      <Results
        rows={rows}
        total={capped ? -1 : total}
        more={() => results.hasNextPage && !results.isFetchingNextPage && results.fetchNextPage()}
        resetKey={searchToUrl(search)}
      />
    </>
  );
}

function SearchBar(props: { search: Search; onSearch: (s: Search) => void; instances: Instance[] }) {
  const { search, onSearch } = props;
  const [text, setText] = useState(search.q ?? '');
  useEffect(() => setText(search.q ?? ''), [search.q]);
  const set = <K extends keyof Search>(k: K, v: Search[K] | '') => onSearch(withFilter(search, k, v));
  return (
    <form
      className="searchbar"
      aria-label="Search detections"
      onSubmit={(e) => {
        e.preventDefault();
        set('q', text.trim());
        (document.activeElement as HTMLElement | null)?.blur();
      }}
    >
      <label className="grow">
        <span className="sr-only">Search detections</span>
        <input
          id="search"
          type="search"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Escape' && e.currentTarget.blur()}
          placeholder="Search titles, descriptions, hosts and IPs (press /)"
        />
      </label>
      <label>
        <span className="sr-only">Minimum severity</span>
        <select
          name="severity"
          value={search.severity ?? ''}
          onChange={(e) => set('severity', e.currentTarget.value === '' ? '' : Number(e.currentTarget.value))}
        >
          <option value="">Any severity</option>
          {SEVERITY_LABELS.slice(1).map((label, i) => (
            <option key={label} value={i + 1}>
              {label} or above
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="sr-only">Instance</span>
        <select
          name="instance"
          value={search.instance ?? ''}
          onChange={(e) => set('instance', e.currentTarget.value)}
        >
          <option value="">All instances</option>
          {props.instances.map((i) => (
            <option key={i.name} value={i.name}>
              {i.name}
            </option>
          ))}
          {search.instance && !props.instances.some((i) => i.name === search.instance) && (
            <option value={search.instance}>{search.instance}</option>
          )}
        </select>
      </label>
      <label>
        <span className="sr-only">Family</span>
        <select
          name="family"
          value={search.family ?? ''}
          onChange={(e) => set('family', e.currentTarget.value as Search['family'] | '')}
        >
          <option value="">All families</option>
          {FAMILIES.map((f) => (
            <option key={f} value={f}>
              {f.replace(/_/g, ' ')}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="sr-only">Acknowledged</span>
        <select
          name="acknowledged"
          value={search.acknowledged === undefined ? '' : String(search.acknowledged)}
          onChange={(e) =>
            set('acknowledged', e.currentTarget.value === '' ? '' : e.currentTarget.value === 'true')
          }
        >
          <option value="">Acknowledged or not</option>
          <option value="false">Unacknowledged</option>
          <option value="true">Acknowledged</option>
        </select>
      </label>
      <TimeRange search={search} onSearch={onSearch} />
      <button type="submit">Search</button>
    </form>
  );
}

/** The time filter: a preset age, or the range dragged across the chart (shown as it is, clearable). */
function TimeRange(props: { search: Search; onSearch: (s: Search) => void }) {
  const { search } = props;
  const preset = !search.to && TIME_RANGES.some((r) => r.from === search.from);
  const custom = (search.from || search.to) && !preset;
  const short = (t?: string) => (t ? t.replace('T', ' ').replace(/:\d\dZ$|Z$/, '') : '…');
  return (
    <label>
      <span className="sr-only">Time range</span>
      <select
        name="time"
        value={custom ? 'custom' : (search.from ?? '')}
        onChange={(e) => {
          const v = e.currentTarget.value;
          if (v === 'custom') return;
          props.onSearch({ ...withFilter(withFilter(search, 'to', ''), 'from', v) });
        }}
      >
        <option value="">Any time</option>
        {TIME_RANGES.map((r) => (
          <option key={r.from} value={r.from}>
            {r.label}
          </option>
        ))}
        {custom && <option value="custom">{`${short(search.from)} → ${short(search.to)}`}</option>}
      </select>
    </label>
  );
}

/** `total` is -1 when unknown (a capped count): the table's row count is then unknown too. */
function Results(props: { rows: DetectionRow[]; total: number; more: () => void; resetKey: string }) {
  const { rows } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search starts at its first result
  useEffect(() => {
    setSelected(0);
    scroller.current?.scrollTo({ top: 0 });
  }, [props.resetKey]);
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 12,
  });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= rows.length - 20) props.more();
  });

  const move = (by: number) => {
    if (!rows.length) return;
    const next = Math.max(0, Math.min(rows.length - 1, selected + by));
    setSelected(next);
    v.scrollToIndex(next, { align: 'auto' });
  };
  const open = (i = selected) => rows[i] && navigate(detectionPath(rows[i].key));
  useKeys({ next: () => move(1), previous: () => move(-1), open: () => open() });

  const before = items[0]?.start ?? 0;
  const after = v.getTotalSize() - (last?.end ?? 0);
  return (
    <div className="results" ref={scroller}>
      <table aria-rowcount={props.total < 0 ? -1 : props.total + 1} aria-label="Detections">
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" className="c-sev">
              Severity
            </th>
            <th scope="col" className="c-score">
              Score
            </th>
            <th scope="col">Title</th>
            <th scope="col" className="c-inst">
              Instance
            </th>
            <th scope="col" className="c-time">
              Time (UTC)
            </th>
            <th scope="col" className="c-ack">
              Acknowledged
            </th>
          </tr>
        </thead>
        <tbody>
          {before > 0 && (
            <tr className="spacer">
              <td colSpan={6} style={{ height: before }} />
            </tr>
          )}
          {items.map((it) => {
            const d = rows[it.index];
            const c = d.canonical as { scores?: { normalized?: number } } | null | undefined;
            return (
              <tr
                key={d.key}
                aria-rowindex={it.index + 2}
                className={it.index === selected ? 'selected' : undefined}
                aria-current={it.index === selected ? 'true' : undefined}
                data-key={d.key}
                onClick={() => setSelected(it.index)}
                onDoubleClick={() => open(it.index)}
              >
                <td className="c-sev">
                  <span className={`sev ${severityClass(d.severity)}`}>{severityLabel(d.severity)}</span>
                </td>
                <td className="c-score">{score(c?.scores?.normalized, 100)}</td>
                <td className="c-title">
                  <a
                    href={detectionPath(d.key)}
                    onClick={(e) => {
                      if (e.button !== 0 || e.metaKey || e.ctrlKey) return;
                      e.preventDefault();
                      open(it.index);
                    }}
                  >
                    {d.title}
                  </a>
                </td>
                <td className="c-inst">{d.instance}</td>
                <td className="c-time">{isoTime(d.eventTime)}</td>
                <td className="c-ack">{d.acknowledged ? 'yes' : 'no'}</td>
              </tr>
            );
          })}
          {after > 0 && (
            <tr className="spacer">
              <td colSpan={6} style={{ height: after }} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
