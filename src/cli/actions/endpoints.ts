// The work behind `dtc endpoints` (declared in ../endpoints.ts): the rows come from
// src/commands/coverage.ts, which reads the API reference, the endpoint catalog, the simulator's routes
// and the command table.
import { endpointCoverage } from '../../commands/coverage.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';

export { endpointCoverage };

export async function printCoverage(f: OutputFlags): Promise<void> {
  const rows = endpointCoverage();
  const format = outputFormat(f);
  if (format !== 'table') return printData(rows, format);
  await printData(
    rows.map((r) => ({
      endpoint: `${r.method} ${r.path}`,
      sdk: r.sdk ?? '-',
      simulated: r.sdk ? (r.simulator ? 'yes' : 'NO') : '-',
      commands: r.sdk ? r.commands.join(', ') || '-' : `not implemented: ${r.reason}`,
    })),
    format,
  );
  const inSdk = rows.filter((r) => r.sdk).length;
  const served = rows.filter((r) => r.simulator).length;
  const used = rows.filter((r) => r.commands.length).length;
  process.stdout.write(
    `\n${rows.length} endpoints; ${inSdk} in the SDK; ${served} served by the simulator; ${used} used by commands; ` +
      `${rows.length - inSdk} left out, each with its reason\n`,
  );
}
