// `dtc normalize --to ecs|ocsf|cef|leef|json`: Darktrace records on stdin, one per line, in any of the
// framings the normaliser accepts; one output line per input line, in order. Declaration only; the
// work is in actions/normalize.ts.
import { type Command, Option } from 'commander';
import { FORMATS } from '../normalize/formats.ts';
import type { NormalizeCliOptions } from './actions/normalize.ts';

export function registerNormalize(program: Command): void {
  program
    .command('normalize')
    .description(
      'normalise Darktrace records (JSON, syslog JSON, CEF), one per line on stdin, to ECS, OCSF, CEF, LEEF or JSON',
    )
    .addOption(new Option('--to <format>', 'output format').choices([...FORMATS]).default('ecs'))
    .option(
      '--instance <name>',
      'Darktrace instance name for the detection key (default: syslog host, else "default")',
    )
    .option('--original', 'ECS only: keep the received record in event.original')
    .option('--base-url <url>', 'Threat Visualizer URL, to build links the records lack (empty breachUrl)')
    .action(async (opts: NormalizeCliOptions) => {
      const { runNormalize } = await import('./actions/normalize.ts');
      process.exitCode = await runNormalize(process.stdin, process.stdout, process.stderr, opts);
    });
}
