// `dtc store copy`: moves a site's store (a SQLite file or data directory) into PostgreSQL or another
// SQLite file, resumably. Declarations only; the work is in actions/store-copy.ts.
import { type Command, Option } from 'commander';
import type { StoreCopyFlags } from './actions/store-copy.ts';
import { addOutputOption } from './output.ts';

export function registerStore(program: Command): void {
  const store = program.command('store').description('the store itself: moving it to another database');
  addOutputOption(
    store
      .command('copy')
      .description(
        'copy every detection (versions and seqs), instance (tokens still encrypted), cursor, sink and offset ' +
          'of one store into another; run it again after an interruption to resume',
      )
      .requiredOption(
        '--from <store>',
        'the source: a SQLite file or a data directory (stop the service first)',
      )
      .addOption(
        new Option(
          '--to <store>',
          'the destination: postgres://user@host/db (the password is best given in DTC_STORE_URL) or a SQLite file; ' +
            'it must be empty, or hold an unfinished copy of the same source',
        )
          .env('DTC_STORE_URL')
          .makeOptionMandatory(),
      )
      .addOption(
        new Option(
          '--key-dir <dir>',
          'where a PostgreSQL destination will read its secret key (secret.key) unless DTC_SECRET_KEY is set; ' +
            'default: the source data directory',
        ),
      )
      .addOption(new Option('--batch-size <rows>', 'rows per batch and per transaction').default('2000'))
      .addHelpText(
        'after',
        '\nSecrets (private tokens, proxy passwords) are copied encrypted, as they are: the destination must be\n' +
          'opened with the same key (DTC_SECRET_KEY, or the same secret.key in the data directory). The copy\n' +
          'checks that key before writing anything and refuses when it cannot decrypt them.\n' +
          'Progress is kept in the destination (store_copy_progress): after Ctrl-C or a crash, run the same\n' +
          'command again and it goes on after the last batch it committed.',
      ),
  ).action(async (f: StoreCopyFlags) => (await import('./actions/store-copy.ts')).copy(f));
}
