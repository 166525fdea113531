// `dtc report`: the executive report of a period (by default the last full week, Monday to Monday UTC)
// as HTML, PDF or JSON, from the data directory's store. Declarations only; the work is in
// actions/report.ts.
import { type Command, Option } from 'commander';
import type { ReportFlags } from './actions/report.ts';
import { dataDirOption } from './options.ts';

const collect = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'executive report: detections by severity and family, top models and devices, AI Analyst incidents, ' +
        'RESPOND actions, time to acknowledge, what is open, against the previous period',
    )
    .option('--from <time>', 'start (ISO 8601, epoch ms or an age such as 7d); default: last Monday but one')
    .option(
      '--to <time>',
      'end, exclusive (same forms); default: last Monday 00:00 UTC, or a week after --from',
    )
    .option('--instance <names>', 'only these instances (repeat or comma-separate; default: all)', collect)
    .addOption(
      new Option('--format <format>', 'output format').choices(['html', 'pdf', 'json']).default('pdf'),
    )
    .option('-o, --out <file>', 'write to this file (written beside it, then renamed); default stdout')
    .option('--title <text>', 'the title on the first page')
    .addOption(dataDirOption())
    .action(async (f: ReportFlags) => (await import('./actions/report.ts')).report(f));
}
