// Commands: the whole catalog (GET /api/commands), each as a form generated from its parameter schema,
// run against a chosen instance with the outcome per item; below, the audit trail of runs. A command
// above the signed-in role is listed with the role it needs, without a form (the API refuses it anyway).
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api/client.ts';
import type { CatalogEntry, CommandRun, Instance } from '../api/types.ts';
import { CommandForm } from '../components/command-form.tsx';
import { isoTime } from '../lib/format.ts';
import { navigate, useLocation } from '../router.ts';
import { can, useSignedIn } from '../session.ts';

export function CommandsPage() {
  const me = useSignedIn();
  const { search } = useLocation();
  const params = new URLSearchParams(search);
  const catalog = useQuery({ queryKey: ['commands'], queryFn: () => api<CatalogEntry[]>('/api/commands') });
  const instances = useQuery({ queryKey: ['instances'], queryFn: () => api<Instance[]>('/api/instances') });
  const [filter, setFilter] = useState('');
  const chosen = catalog.data?.find((c) => c.name === params.get('command'));
  const instance = params.get('instance') ?? instances.data?.[0]?.name ?? '';
  const go = (p: Record<string, string>) => {
    const next = new URLSearchParams({ ...Object.fromEntries(params), ...p });
    navigate(`/commands?${next}`, { replace: true });
  };
  const shown = (catalog.data ?? []).filter(
    (c) => !filter || `${c.name} ${c.description}`.toLowerCase().includes(filter.toLowerCase()),
  );
  return (
    <>
      <div className="page-head">
        <h1>Commands</h1>
        <label className="inline">
          Instance{' '}
          <select value={instance} onChange={(e) => go({ instance: e.currentTarget.value })}>
            {instances.data?.map((i) => (
              <option key={i.name} value={i.name}>
                {i.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {catalog.error && (
        <p className="error" role="alert">
          {catalog.error.message}
        </p>
      )}
      <div className="commands">
        <nav className="catalog" aria-label="Command catalog">
          <label>
            <span className="sr-only">Filter commands</span>
            <input
              type="search"
              placeholder="Filter commands"
              value={filter}
              onChange={(e) => setFilter(e.currentTarget.value)}
            />
          </label>
          <p className="muted">
            {shown.length} of {catalog.data?.length ?? 0} commands
          </p>
          <ul>
            {shown.map((c) => (
              <li key={c.name}>
                <a
                  href={`/commands?command=${c.name}`}
                  aria-current={c.name === chosen?.name ? 'true' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    go({ command: c.name });
                  }}
                >
                  {c.name}
                </a>{' '}
                <span className="role">{c.role}</span>
              </li>
            ))}
          </ul>
        </nav>
        <section className="command" aria-labelledby="command-title">
          {chosen ? (
            <>
              <h2 id="command-title">{chosen.name}</h2>
              <p>{chosen.description}</p>
              <p className="muted">
                Needs the {chosen.role} role. Output: {chosen.output}
                {chosen.aliases.length ? `. Also known as ${chosen.aliases.join(', ')}.` : '.'}
              </p>
              {!instance ? (
                <p>Add an instance first.</p>
              ) : can(me.role, chosen.role as never) ? (
                <CommandForm key={`${chosen.name}@${instance}`} command={chosen} instance={instance} />
              ) : (
                <p className="note">
                  You are {me.role}: running {chosen.name} needs {chosen.role}.
                </p>
              )}
            </>
          ) : (
            <h2 id="command-title">Choose a command</h2>
          )}
        </section>
      </div>
      <Audit instance={params.get('instance') ?? undefined} />
    </>
  );
}

function Audit({ instance }: { instance?: string }) {
  const runs = useQuery({
    queryKey: ['command-runs', instance],
    queryFn: () =>
      api<CommandRun[]>(
        `/api/command-runs?limit=50${instance ? `&instance=${encodeURIComponent(instance)}` : ''}`,
      ),
    refetchInterval: 15_000,
  });
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit trail{instance ? ` of ${instance}` : ''}</h2>
      {runs.error ? (
        <p className="error">{runs.error.message}</p>
      ) : (
        <table className="plain audit">
          <thead>
            <tr>
              <th scope="col">When (UTC)</th>
              <th scope="col">Who</th>
              <th scope="col">Instance</th>
              <th scope="col">Command</th>
              <th scope="col">Outcome</th>
              <th scope="col">Parameters</th>
            </tr>
          </thead>
          <tbody>
            {runs.data?.map((r) => {
              const x = r as CommandRun & {
                id?: number;
                at?: number;
                params?: unknown;
                summary?: string | null;
              };
              return (
                <tr key={x.id ?? `${x.at}-${r.command}`} data-command={r.command}>
                  <td>{isoTime(x.at)}</td>
                  <td>{r.who}</td>
                  <td>{r.instance ?? '–'}</td>
                  <td>{r.command}</td>
                  <td className="outcome-cell">{r.outcome}</td>
                  <td>
                    <code>{JSON.stringify(x.params ?? {})}</code>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
