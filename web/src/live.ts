// Live updates from GET /api/events (Server-Sent Events), one stream for the whole console: a new or
// changed detection refreshes the open search and that detection's page; an instance status change or
// a sink's new offset is written into the cached lists in place. The browser reconnects by itself and
// resends Last-Event-ID, so nothing in the log is missed; if the stream is refused (the session ended),
// it is opened again a little later from the last sequence seen. While it is down, pages poll instead.
import type { QueryClient } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import type { Instance, Sink } from './api/types.ts';

let open = false;
const listeners = new Set<() => void>();
const setOpen = (v: boolean) => {
  if (open === v) return;
  open = v;
  for (const l of listeners) l();
};

/** Whether the stream is connected: pages poll only while it is not. */
export function useLive(): boolean {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => open,
  );
}

/** A poll interval for a page: none while the stream is connected. */
export function useFallbackPoll(ms: number): number | false {
  return useLive() ? false : ms;
}

interface DetectionEvent {
  seq: number;
  key: string;
}
interface InstanceEvent {
  name: string;
  state: Instance['status']['state'];
  lastError?: string;
  lastSuccessAt?: string;
}
interface SinkEvent {
  name: string;
  offset: number;
  lag: number;
  lastError: string | null;
}

/** Opens the stream for a signed-in console; returns the function that closes it. */
export function startLive(qc: QueryClient): () => void {
  let es: EventSource | undefined;
  let lastSeq: number | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let refresh: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  // Detections come in bursts (a poll stores many at once): one refetch per burst of the open search,
  // its chart, and the instances (their counts of the last 24 h).
  const refreshSearch = () => {
    refresh ??= setTimeout(() => {
      refresh = undefined;
      qc.invalidateQueries({ queryKey: ['detections'] });
      qc.invalidateQueries({ queryKey: ['histogram'] });
      qc.invalidateQueries({ queryKey: ['instances'] });
    }, 300);
  };

  const connect = () => {
    es = new EventSource(`/api/events${lastSeq !== undefined ? `?after=${lastSeq}` : ''}`, {
      withCredentials: true,
    });
    es.onopen = () => setOpen(true);
    es.onerror = () => {
      setOpen(false);
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an error status): try again later.
      if (es?.readyState === EventSource.CLOSED && !stopped) {
        es.close();
        retry = setTimeout(connect, 5_000);
      }
    };
    es.addEventListener('detection', (e) => {
      const d = JSON.parse((e as MessageEvent<string>).data) as DetectionEvent;
      lastSeq = d.seq;
      refreshSearch();
      if (qc.getQueryData(['detection', d.key])) qc.invalidateQueries({ queryKey: ['detection', d.key] });
    });
    es.addEventListener('instance', (e) => {
      const s = JSON.parse((e as MessageEvent<string>).data) as InstanceEvent;
      const list = qc.getQueryData<Instance[]>(['instances']);
      if (!list?.some((i) => i.name === s.name)) {
        qc.invalidateQueries({ queryKey: ['instances'] });
        return;
      }
      qc.setQueryData<Instance[]>(['instances'], (old) =>
        old?.map((i) =>
          i.name === s.name
            ? {
                ...i,
                status: {
                  ...i.status,
                  state: s.state,
                  lastError: s.lastError,
                  lastSuccessAt: s.lastSuccessAt,
                },
              }
            : i,
        ),
      );
      // Shown at once above; the rest of the status (the recent poll errors) comes with the list.
      qc.invalidateQueries({ queryKey: ['instances'] });
    });
    es.addEventListener('sink', (e) => {
      const s = JSON.parse((e as MessageEvent<string>).data) as SinkEvent;
      qc.setQueryData<Sink[]>(['sinks'], (old) =>
        old?.map((x) =>
          x.name === s.name ? { ...x, offset: s.offset, lag: s.lag, lastError: s.lastError } : x,
        ),
      );
    });
  };
  connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    clearTimeout(refresh);
    es?.close();
    setOpen(false);
  };
}
