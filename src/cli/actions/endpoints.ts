// The work behind `dtc endpoints` (declared in ../endpoints.ts).
import { commands } from '../../commands/catalog.ts';
import { listEndpoints } from '../../darktrace/index.ts';
import { handlers } from '../../simulator/routes.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';

export function endpointCoverage() {
  return listEndpoints().map(({ name, family, operation, spec }) => ({
    name,
    method: spec.method,
    path: spec.path,
    body: spec.body,
    doc: spec.doc,
    summary: spec.summary,
    sdk: `client.${family}.${operation}()`,
    simulator:
      typeof (handlers as Record<string, Record<string, unknown>>)[family]?.[operation] === 'function',
    commands: commands.filter((c) => c.endpoints.includes(name)).map((c) => c.name),
  }));
}

export async function printCoverage(f: OutputFlags): Promise<void> {
  const rows = endpointCoverage();
  const format = outputFormat(f);
  if (format !== 'table') return printData(rows, format);
  await printData(
    rows.map((r) => ({
      endpoint: `${r.method} ${r.path}`,
      sdk: r.sdk,
      simulated: r.simulator ? 'yes' : 'NO',
      commands: r.commands.join(', ') || '-',
    })),
    format,
  );
  const served = rows.filter((r) => r.simulator).length;
  const used = rows.filter((r) => r.commands.length).length;
  process.stdout.write(
    `\n${rows.length} endpoints; ${rows.length} in the SDK; ${served} served by the simulator; ${used} used by commands\n`,
  );
}
