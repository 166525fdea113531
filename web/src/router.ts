// A router of a few lines on the History API: the console has three pages, and their state lives in
// the URL (path and query), so a page can be bookmarked, shared and reloaded.
import { useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();
const notify = () => {
  for (const l of listeners) l();
};
window.addEventListener('popstate', notify);

function subscribe(l: () => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

const current = () => location.pathname + location.search;

/** The current path and query; re-renders the caller when they change. */
export function useLocation(): { path: string; search: string } {
  const href = useSyncExternalStore(subscribe, current);
  const i = href.indexOf('?');
  return i < 0 ? { path: href, search: '' } : { path: href.slice(0, i), search: href.slice(i) };
}

/** Goes to a URL of the console (`replace`: without a new history entry, e.g. while typing). */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === current()) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}
