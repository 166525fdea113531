// Devices: the asset inventory of the chosen instances (GET /api/assets, read live from the appliances)
// with the columns an asset system takes, a filter over every column, and the export of the same
// devices as CSV or JSON Lines. The choices live in the URL, so a view can be bookmarked and shared.
import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import type { Instance } from '../api/types.ts';
import {
  type AssetRow,
  assetsUrl,
  type DevicesQuery,
  devicesQueryToUrl,
  filterDevices,
  parseDevicesQuery,
  parseJsonLines,
  SINCE_CHOICES,
} from '../lib/devices.ts';
import { ago, isoTime } from '../lib/format.ts';
import { navigate, useLocation } from '../router.ts';

/** Rows drawn at once: the filter narrows the rest, the export has them all. */
const SHOWN = 500;

async function readAssets(q: DevicesQuery): Promise<AssetRow[]> {
  const res = await fetch(assetsUrl(q, 'jsonl'), { credentials: 'same-origin' });
  const text = await res.text();
  if (!res.ok) {
    let message = `the inventory could not be read (${res.status})`;
    try {
      message = JSON.parse(text).message ?? message;
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(message);
  }
  return parseJsonLines(text);
}

export function DevicesPage() {
  const { search } = useLocation();
  const q = parseDevicesQuery(search);
  const set = (change: Partial<DevicesQuery>) =>
    navigate(`/devices${devicesQueryToUrl({ ...q, ...change })}`, { replace: true });
  const instances = useQuery({ queryKey: ['instances'], queryFn: () => api<Instance[]>('/api/instances') });
  const devices = useQuery({
    queryKey: ['assets', q.instances.join(','), q.since],
    queryFn: () => readAssets(q),
    staleTime: 60_000,
  });
  const kept = filterDevices(devices.data ?? [], q.text);
  const toggle = (name: string, on: boolean) => {
    const all = (instances.data ?? []).filter((i) => i.enabled).map((i) => i.name);
    const chosen = q.instances.length ? q.instances : all;
    const next = on ? [...new Set([...chosen, name])] : chosen.filter((n) => n !== name);
    set({ instances: next.length === all.length && all.every((n) => next.includes(n)) ? [] : next });
  };
  return (
    <>
      <div className="page-head">
        <h1>Devices</h1>
        <span className="downloads">
          Export these instances' devices:{' '}
          <a href={assetsUrl(q, 'csv')} download="devices.csv">
            CSV
          </a>{' '}
          ·{' '}
          <a href={assetsUrl(q, 'jsonl')} download="devices.jsonl">
            JSON Lines
          </a>
        </span>
      </div>
      <form className="panel row-form" aria-label="Which devices" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Instances</legend>
          {(instances.data ?? []).map((i) => (
            <label key={i.name} className="check">
              <input
                type="checkbox"
                name="instance"
                value={i.name}
                disabled={!i.enabled}
                checked={i.enabled && (q.instances.length ? q.instances.includes(i.name) : true)}
                onChange={(e) => toggle(i.name, e.currentTarget.checked)}
              />{' '}
              {i.name}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor="devices-since">Last seen in</label>
          <select id="devices-since" value={q.since} onChange={(e) => set({ since: e.currentTarget.value })}>
            {SINCE_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="devices-filter">Filter</label>
          <input
            id="devices-filter"
            type="search"
            value={q.text}
            placeholder="hostname, IP, MAC, vendor, OS, type, tag, subnet…"
            onChange={(e) => set({ text: e.currentTarget.value })}
          />
        </div>
      </form>
      {devices.error && (
        <p className="error" role="alert">
          {devices.error.message}
        </p>
      )}
      <p className="count" aria-live="polite">
        {devices.isPending
          ? 'Reading the inventory…'
          : `${kept.length.toLocaleString('en')} of ${(devices.data?.length ?? 0).toLocaleString('en')} devices${kept.length > SHOWN ? ` (the first ${SHOWN} shown; the filter narrows them)` : ''}`}
      </p>
      {kept.length > 0 && (
        // Wider than the page: it scrolls, so a keyboard must be able to reach it (axe: scrollable-region-focusable).
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region takes focus to scroll by keyboard
        <section className="panel table-wrap" tabIndex={0} aria-label="Devices table">
          <table className="plain devices" aria-label="Devices">
            <thead>
              <tr>
                <th scope="col">Hostname</th>
                <th scope="col">IPs</th>
                <th scope="col">MAC</th>
                <th scope="col">Vendor</th>
                <th scope="col">OS</th>
                <th scope="col">Type</th>
                <th scope="col">Tags</th>
                <th scope="col">Subnet</th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
                <th scope="col">Instance</th>
              </tr>
            </thead>
            <tbody>
              {kept.slice(0, SHOWN).map((d) => (
                <tr key={`${d.instance}/${d.did}`} data-device={`${d.instance}/${d.did}`}>
                  <th scope="row">{d.hostname || d.label || `device ${d.did}`}</th>
                  <td>{d.ips.join(', ')}</td>
                  <td>
                    <code>{d.mac}</code>
                  </td>
                  <td>{d.vendor}</td>
                  <td>{d.os}</td>
                  <td>{d.type}</td>
                  <td>{d.tags.join(', ')}</td>
                  <td>{d.subnet_label || d.subnet}</td>
                  <td title={isoTime(d.first_seen)}>{ago(d.first_seen)}</td>
                  <td title={isoTime(d.last_seen)}>{ago(d.last_seen)}</td>
                  <td>{d.instance}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
