// One detection: summary, devices, MITRE, its stored versions (what changed in each), the raw record and
// the same detection as each sink format renders it. Analysts acknowledge it here (button or `a`): the
// command goes to the appliance, and the next poll stores the acknowledged version.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api } from '../api/client.ts';
import type {
  AcknowledgeBody,
  Canonical,
  CatalogEntry,
  CommandResult,
  DetectionDetail,
  DetectionVersion,
  RenderFormat,
  Rendering,
} from '../api/types.ts';
import { CommandForm, Outcome } from '../components/command-form.tsx';
import { useKeys } from '../keyboard.ts';
import { breachDevice, type CommentCommands, commentCommands } from '../lib/actions.ts';
import { ago, isoTime, score, severityClass, severityLabel } from '../lib/format.ts';
import { components, narrative, type Section } from '../lib/narrative.ts';
import { can, useSignedIn } from '../session.ts';

const FORMATS: RenderFormat[] = ['ecs', 'ocsf', 'cef', 'leef'];

export function DetectionPage({ id }: { id: string }) {
  const me = useSignedIn();
  const qc = useQueryClient();
  const [waiting, setWaiting] = useState(false);
  const detail = useQuery({
    queryKey: ['detection', id],
    queryFn: () => api<DetectionDetail>(`/api/detections/${encodeURIComponent(id)}`),
    // After an acknowledgement: look again until the poll has stored the new version.
    refetchInterval: (q) => (waiting && !q.state.data?.acknowledged ? 2_000 : false),
  });
  const d = detail.data;
  const ackable = !!d && d.family === 'model_breach' && /^\d+$/.test(d.nativeId);
  const mayAck = can(me.role, 'analyst') && ackable;
  const ack = useMutation({
    mutationFn: () =>
      api<CommandResult>(`/api/instances/${encodeURIComponent(d!.instance)}/commands/acknowledge`, {
        method: 'POST',
        body: { breachIds: [Number(d!.nativeId)] } as AcknowledgeBody,
      }),
    onSuccess: () => {
      setWaiting(true);
      qc.invalidateQueries({ queryKey: ['detections'] });
    },
  });
  const acknowledge = () => mayAck && !d?.acknowledged && !ack.isPending && ack.mutate();
  const comments = d && can(me.role, 'analyst') ? commentCommands(d) : undefined;
  const commentBox = useRef<HTMLInputElement>(null);
  useKeys({
    acknowledge,
    comment: () => {
      commentBox.current?.scrollIntoView({ block: 'center' });
      commentBox.current?.focus();
    },
  });

  if (detail.error)
    return (
      <p className="error" role="alert">
        {detail.error.message}
      </p>
    );
  if (!d) return <p className="loading">Loading…</p>;
  const c = d.canonical as Canonical | null | undefined;
  return (
    <article className="detection">
      <p className="crumbs">
        <a
          href="/detections"
          onClick={(e) => {
            if (history.length > 1) {
              e.preventDefault();
              history.back();
            }
          }}
        >
          ← Detections
        </a>
      </p>
      <div className="page-head">
        <h1>{d.title}</h1>
        {mayAck &&
          (d.acknowledged ? (
            <span className="done">Acknowledged</span>
          ) : (
            <button
              type="button"
              onClick={acknowledge}
              disabled={ack.isPending || waiting}
              aria-keyshortcuts="a"
            >
              {ack.isPending ? 'Acknowledging…' : 'Acknowledge'} <kbd>a</kbd>
            </button>
          ))}
      </div>
      {ack.error && (
        <p className="error" role="alert">
          {ack.error.message}
        </p>
      )}
      {ack.data && (
        <p className="result" role="status">
          {ack.data.outcome === 'Successful'
            ? d.acknowledged
              ? 'Acknowledged on the appliance; the new version is stored.'
              : 'Acknowledged on the appliance; waiting for the next poll to store the new version…'
            : `${ack.data.outcome}: ${JSON.stringify(ack.data.items ?? ack.data)}`}
        </p>
      )}
      <section aria-labelledby="s-summary">
        <h2 id="s-summary">Summary</h2>
        <dl className="facts wide">
          <dt>Severity</dt>
          <dd>
            <span className={`sev ${severityClass(d.severity)}`}>{severityLabel(d.severity)}</span>
            {c?.scores?.normalized !== undefined && <> · score {score(c.scores.normalized, 100)}</>}
          </dd>
          <dt>Instance</dt>
          <dd>{d.instance}</dd>
          <dt>Family</dt>
          <dd>{d.family.replace(/_/g, ' ')}</dd>
          <dt>Time</dt>
          <dd>
            {isoTime(d.eventTime)} ({ago(d.eventTime)})
          </dd>
          <dt>Acknowledged</dt>
          <dd className="ack-state">{d.acknowledged ? 'yes' : 'no'}</dd>
          {c?.analytic?.name && (
            <>
              <dt>Model</dt>
              <dd>{c.analytic.name}</dd>
            </>
          )}
          {c?.category && (
            <>
              <dt>Category</dt>
              <dd>{c.category}</dd>
            </>
          )}
          {c?.description && (
            <>
              <dt>Description</dt>
              <dd>{c.description}</dd>
            </>
          )}
          {c?.url && (
            <>
              <dt>Threat Visualizer</dt>
              <dd>
                <a href={c.url} target="_blank" rel="noreferrer noopener">
                  {c.url}
                </a>
              </dd>
            </>
          )}
          <dt>Key</dt>
          <dd>
            <code>{d.key}</code>
          </dd>
        </dl>
        {d.problem && <p className="error">{d.problem}</p>}
      </section>
      {c && <Devices c={c} />}
      {c && <Mitre c={c} />}
      {c && <ObservablesSection c={c} />}
      <Story family={d.family} raw={d.raw} />
      {comments && <Comments instance={d.instance} id={id} commands={comments} box={commentBox} />}
      {c && can(me.role, 'responder') && <Respond instance={d.instance} d={d} c={c} />}
      <History versions={d.versions} />
      <Renderings id={id} version={d.version} />
      <section aria-labelledby="s-raw">
        <h2 id="s-raw">Raw record</h2>
        <details>
          <summary>As Darktrace sent it</summary>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard */}
          <pre tabIndex={0}>{JSON.stringify(d.raw, null, 2)}</pre>
        </details>
      </section>
    </article>
  );
}

function Devices({ c }: { c: Canonical }) {
  return (
    <section aria-labelledby="s-devices">
      <h2 id="s-devices">Devices</h2>
      {c.devices.length === 0 ? (
        <p>None named in this record.</p>
      ) : (
        <table className="plain">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Addresses</th>
              <th scope="col">Type</th>
              <th scope="col">Id</th>
            </tr>
          </thead>
          <tbody>
            {c.devices.map((dev, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: devices have no identity of their own
              <tr key={i}>
                <td>{dev.name ?? dev.hostname ?? dev.label ?? '–'}</td>
                <td>{dev.ips.join(', ') || '–'}</td>
                <td>{dev.typeLabel ?? dev.type ?? '–'}</td>
                <td>{dev.id ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Mitre({ c }: { c: Canonical }) {
  return (
    <section aria-labelledby="s-mitre">
      <h2 id="s-mitre">MITRE ATT&amp;CK</h2>
      {c.tactics.length === 0 && c.techniques.length === 0 ? (
        <p>No tactic or technique mapped.</p>
      ) : (
        <dl className="facts wide">
          <dt>Tactics</dt>
          <dd>{c.tactics.map((t) => (t.id ? `${t.id} ${t.name}` : t.name)).join(', ') || '–'}</dd>
          <dt>Techniques</dt>
          <dd>{c.techniques.map((t) => (t.name ? `${t.id} ${t.name}` : t.id)).join(', ') || '–'}</dd>
        </dl>
      )}
    </section>
  );
}

/** What changed from one stored version to the next, in words. */
export function changes(prev: DetectionVersion | undefined, v: DetectionVersion): string {
  if (!prev) return 'first seen';
  const out: string[] = [];
  if (prev.acknowledged !== v.acknowledged) out.push(v.acknowledged ? 'acknowledged' : 'unacknowledged');
  if (prev.severity !== v.severity)
    out.push(`severity ${severityLabel(prev.severity)} → ${severityLabel(v.severity)}`);
  if (prev.title !== v.title) out.push('title changed');
  return out.length ? out.join(', ') : 'other details changed (comments, scores, links)';
}

function History({ versions }: { versions: DetectionVersion[] }) {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  return (
    <section aria-labelledby="s-history">
      <h2 id="s-history">History</h2>
      <table className="plain history">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Stored (UTC)</th>
            <th scope="col">Severity</th>
            <th scope="col">Acknowledged</th>
            <th scope="col">What changed</th>
          </tr>
        </thead>
        <tbody>
          {sorted
            .map((v, i) => (
              <tr key={v.seq} data-version={v.version}>
                <td>{v.version}</td>
                <td>{isoTime(v.createdAt)}</td>
                <td>{severityLabel(v.severity)}</td>
                <td>{v.acknowledged ? 'yes' : 'no'}</td>
                <td>{changes(sorted[i - 1], v)}</td>
              </tr>
            ))
            .reverse()}
        </tbody>
      </table>
    </section>
  );
}

function Renderings({ id, version }: { id: string; version: number }) {
  const [format, setFormat] = useState<RenderFormat>('ecs');
  const r = useQuery({
    queryKey: ['render', id, version, format],
    queryFn: () => api<Rendering>(`/api/detections/${encodeURIComponent(id)}/render/${format}`),
  });
  const text =
    r.data && /^[[{]/.test(r.data.text) ? JSON.stringify(JSON.parse(r.data.text), null, 2) : r.data?.text;
  return (
    <section aria-labelledby="s-render">
      <h2 id="s-render">As the sinks send it</h2>
      <fieldset className="tabs">
        <legend className="sr-only">Format</legend>
        {FORMATS.map((f) => (
          <button
            type="button"
            key={f}
            className="ghost"
            aria-pressed={f === format}
            onClick={() => setFormat(f)}
          >
            {f.toUpperCase()}
          </button>
        ))}
      </fieldset>
      {r.error ? (
        <p className="error" role="alert">
          {r.error.message}
        </p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard
        <pre tabIndex={0} className="rendering">
          {text ?? 'Loading…'}
        </pre>
      )}
    </section>
  );
}

function ObservablesSection({ c }: { c: Canonical }) {
  const o = c.observables;
  const rows: [string, string][] = (
    [
      ['Source IPs', o.sourceIps.join(', ')],
      ['Source hosts', o.sourceHosts.join(', ')],
      ['Source ports', o.sourcePorts.join(', ')],
      ['Destination IPs', o.destinationIps.join(', ')],
      ['Destination hosts', o.destinationHosts.join(', ')],
      ['Destination ports', o.destinationPorts.join(', ')],
      ['Related IPs', o.relatedIps.join(', ')],
      ['Related hosts', o.relatedHosts.join(', ')],
      ['ASNs', o.asns.map((a) => [a.number && `AS${a.number}`, a.name].filter(Boolean).join(' ')).join(', ')],
      ['URIs', o.uris.join(', ')],
      ['User agents', o.userAgents.join(', ')],
      ['Users', o.users.join(', ')],
      [
        'Bytes in / out',
        o.bytesIn !== undefined || o.bytesOut !== undefined
          ? `${o.bytesIn ?? '–'} / ${o.bytesOut ?? '–'}`
          : '',
      ],
    ] as [string, string][]
  ).filter(([, v]) => v);
  return (
    <section aria-labelledby="s-observables">
      <h2 id="s-observables">Observables</h2>
      {rows.length === 0 ? (
        <p>None in this record.</p>
      ) : (
        <dl className="facts wide observables">
          {rows.map(([k, v]) => (
            <div key={k} className="pair">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

/** A breach's triggered components, or an AI Analyst event's narrative. */
function Story({ family, raw }: { family: string; raw: unknown }) {
  const breach = family === 'model_breach';
  if (!breach && family !== 'ai_analyst') return null;
  const sections: Section[] = breach ? components(raw) : narrative(raw);
  const title = breach ? 'Components' : 'AI Analyst narrative';
  return (
    <section aria-labelledby="s-story">
      <h2 id="s-story">{title}</h2>
      {sections.length === 0 ? (
        <p>None in this record.</p>
      ) : (
        sections.map((sec, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: sections are in the record's order
          <div key={i} className="story">
            <h3>{sec.header}</h3>
            <dl className="facts wide">
              {sec.lines.map((l, j) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: lines are in the record's order
                <div key={j} className="pair">
                  <dt>{l.key || '–'}</dt>
                  <dd>{l.value || '–'}</dd>
                </div>
              ))}
            </dl>
          </div>
        ))
      )}
    </section>
  );
}

const runCommand = (instance: string, c: { command: string; body: Record<string, unknown> }) =>
  api<CommandResult>(`/api/instances/${encodeURIComponent(instance)}/commands/${c.command}`, {
    method: 'POST',
    body: c.body,
  });

/** The detection's comments on the appliance (read through the catalog), and a box to add one (`c`). */
function Comments(props: {
  instance: string;
  id: string;
  commands: CommentCommands;
  box: React.RefObject<HTMLInputElement | null>;
}) {
  const qc = useQueryClient();
  const [text, setText] = useState('');
  const read = useQuery({
    queryKey: ['comments', props.id],
    queryFn: () => runCommand(props.instance, props.commands.read),
  });
  const add = useMutation({
    mutationFn: (comment: string) => runCommand(props.instance, props.commands.add(comment)),
    onSuccess: () => {
      setText('');
      qc.invalidateQueries({ queryKey: ['comments', props.id] });
    },
  });
  const list = read.data ? props.commands.comments(read.data) : [];
  return (
    <section aria-labelledby="s-comments">
      <h2 id="s-comments">Comments</h2>
      {read.error ? (
        <p className="error">{read.error.message}</p>
      ) : read.isPending ? (
        <p>Loading…</p>
      ) : list.length === 0 ? (
        <p>No comment yet.</p>
      ) : (
        <ol className="comments">
          {list.map((c, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: comments are listed oldest first, as stored
            <li key={i}>
              <span className="muted">
                {c.username ?? 'someone'}, {isoTime(c.time)}
              </span>
              <p>{c.message}</p>
            </li>
          ))}
        </ol>
      )}
      <form
        className="comment-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) add.mutate(text.trim());
        }}
      >
        <label htmlFor="comment">
          Add a comment <kbd>c</kbd>
        </label>
        <input
          id="comment"
          ref={props.box}
          value={text}
          aria-keyshortcuts="c"
          onChange={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Escape' && e.currentTarget.blur()}
          maxLength={2000}
        />
        <button type="submit" disabled={add.isPending || !text.trim()}>
          {add.isPending ? 'Commenting…' : 'Comment'}
        </button>
      </form>
      {add.error && (
        <p className="error" role="alert">
          {add.error.message}
        </p>
      )}
      {add.data && <Outcome result={add.data} />}
    </section>
  );
}

/** RESPOND on the breach's device and a PCAP of its traffic: the catalog's own forms, prefilled. */
function Respond({ instance, d, c }: { instance: string; d: DetectionDetail; c: Canonical }) {
  const device = breachDevice(d, c.devices);
  const catalog = useQuery({ queryKey: ['commands'], queryFn: () => api<CatalogEntry[]>('/api/commands') });
  if (!device) return null;
  const find = (name: string) => catalog.data?.find((x) => x.name === name);
  const respond = find('create-actions');
  const pcap = find('create-pcap');
  return (
    <section aria-labelledby="s-respond">
      <h2 id="s-respond">Respond</h2>
      <p className="muted">
        On device {device.did}
        {device.ip ? ` (${device.ip})` : ''}, through {instance}.
      </p>
      <div className="respond">
        {respond && (
          <div>
            <h3>RESPOND action</h3>
            <CommandForm
              command={respond}
              instance={instance}
              preset={{ deviceIds: String(device.did), reason: `${d.title} (${d.key})` }}
              hidden={['deviceIds', 'connections']}
              submitLabel="Start RESPOND action"
            />
          </div>
        )}
        {pcap && device.ip && (
          <div>
            <h3>Packet capture</h3>
            <CommandForm
              command={pcap}
              instance={instance}
              preset={{ sourceIp: device.ip }}
              submitLabel="Request PCAP"
            />
          </div>
        )}
      </div>
    </section>
  );
}
