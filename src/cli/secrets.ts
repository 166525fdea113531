// `dtc secrets status|rotate`: which key each stored secret (private tokens, proxy passwords) is
// encrypted with, and re-encrypting them all under a new key while a service keeps running on the same
// data directory. Declarations only; the work is in actions/secrets.ts.
import { type Command, Option } from 'commander';
import type { RotateFlags, SecretsFlags } from './actions/secrets.ts';
import { dataDirOption } from './options.ts';
import { addOutputOption } from './output.ts';

const load = () => import('./actions/secrets.ts');

export function registerSecrets(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('the secret key: which key each stored secret uses, and rotating it');
  addOutputOption(
    secrets
      .command('status')
      .description(
        'each stored secret with the id of the key it uses, and whether an old key is still needed',
      )
      .addOption(dataDirOption()),
  ).action(async (f: SecretsFlags) => (await load()).status(f));
  addOutputOption(
    secrets
      .command('rotate')
      .description(
        're-encrypt every stored secret under a new key in one transaction (a running service keeps working); ' +
          'the old key is kept until --finish',
      )
      .addOption(dataDirOption())
      .addOption(
        new Option(
          '--new-key-file <path>',
          'the new key (64 hex characters, mode 0600); else DTC_NEW_SECRET_KEY, else a random key written to <data dir>/secret.key',
        ),
      )
      .addOption(
        new Option('--finish', 'delete the old keys once no secret uses them').conflicts('newKeyFile'),
      )
      .addHelpText(
        'after',
        '\nSteps: `dtc secrets rotate`, check `dtc secrets status`, then `dtc secrets rotate --finish`.\n' +
          'With DTC_SECRET_KEY set, give the new key in DTC_NEW_SECRET_KEY or --new-key-file, restart\n' +
          'services with DTC_SECRET_KEY set to it, then --finish.',
      ),
  ).action(async (f: RotateFlags) => (await load()).rotate(f));
}
