// The one table of components: each source (the API poller, one entry per instance; the syslog
// listener) and each sink (src/deliver/registry.ts) with its type, its spec and its factory. The config
// file's schema is composed from these specs (config.ts), and so are the README's tables of options
// (`readmeTables`, written by `npm run docs:tables` and checked by a test).
import { Collector } from '../collect/collector.ts';
import { instanceSpec } from '../collect/instance.ts';
import { syslogSpec } from '../collect/listener.ts';
import { startSyslogReceiver } from '../collect/syslog.ts';
import { SINKS } from '../deliver/registry.ts';
import { type OptionRow, optionRows } from '../util/spec.ts';

export const darktraceSource = {
  type: 'darktrace',
  /** Where the config file declares it. */
  key: 'instances[]',
  summary: "polls a Darktrace appliance's API: model breaches, AI Analyst, RESPOND, /EMAIL",
  spec: instanceSpec,
  create: (o: ConstructorParameters<typeof Collector>[0]) => new Collector(o),
} as const;

export const syslogSource = {
  type: 'syslog',
  key: 'syslog',
  summary: "receives Darktrace's syslog push (JSON, CEF, LEEF) over TCP, UDP and TLS",
  spec: syslogSpec,
  create: startSyslogReceiver,
} as const;

export const SOURCES = [darktraceSource, syslogSource] as const;

export { SINKS };

const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** A Markdown table with its columns padded, as a Markdown formatter would leave it. */
function markdown(head: string[], rows: string[][]): string {
  const width = head.map((h, i) => Math.max(3, h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function table(rows: OptionRow[]): string {
  return markdown(
    ['option', 'type', 'default', 'description'],
    rows.map((r) => [
      `\`${r.name}\`${r.secret ? ' (secret)' : ''}`,
      cell(r.type),
      r.default === undefined ? '' : `\`${cell(r.default)}\``,
      cell(r.description),
    ]),
  );
}

/** The README's tables, by marker name: generated from the specs, never written by hand. */
export function readmeTables(): Record<string, string> {
  const sources = SOURCES.map(
    (s) => `**${s.type}** (\`${s.key}\`): ${s.summary}\n\n${table(optionRows(s.spec))}`,
  ).join('\n\n');
  const sinkTypes = markdown(
    ['type', 'schemes', 'example', 'replay'],
    SINKS.map((m) => [
      m.type,
      m.schemes.map((x) => `\`${x}\``).join(' '),
      `\`${cell(m.example)}\``,
      m.idempotent ? 'idempotent' : 'may duplicate',
    ]),
  );
  const sinkOptions = SINKS.filter((m) => optionRows(m.options).length)
    .map((m) => `**${m.type}**: ${m.summary}\n\n${table(optionRows(m.options))}`)
    .join('\n\n');
  return { sources, 'sink-types': sinkTypes, 'sink-options': sinkOptions };
}

/** `text` with each `<!-- spec:NAME -->…<!-- /spec:NAME -->` block replaced by its generated table. */
export function withReadmeTables(text: string, tables = readmeTables()): string {
  let out = text;
  for (const [name, body] of Object.entries(tables)) {
    const open = `<!-- spec:${name} -->`;
    const close = `<!-- /spec:${name} -->`;
    const a = out.indexOf(open);
    const b = out.indexOf(close);
    if (a < 0 || b < a) throw new Error(`README.md has no ${open} … ${close} block`);
    out = `${out.slice(0, a + open.length)}\n\n${body}\n\n${out.slice(b)}`;
  }
  return out;
}
