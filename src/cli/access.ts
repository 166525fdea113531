// `dtc user add|list|remove|passwd|role` and `dtc apikey create|list|revoke`: identities on the data
// directory's store (a running service sees changes at once). A password comes from --password-stdin or
// a prompt; without either, add makes a random one and prints it once. Declarations only; the work is in
// actions/access.ts.
import { type Command, Option } from 'commander';
import { ROLES } from '../auth/roles.ts';
import { dataDirOption } from './options.ts';
import { addOutputOption } from './output.ts';

const load = () => import('./actions/access.ts');
const roleOption = (dflt?: string) => {
  const o = new Option('--role <role>', 'viewer, analyst, responder or admin').choices([...ROLES]);
  return dflt ? o.default(dflt) : o.makeOptionMandatory();
};
const stdinOption = () => new Option('--password-stdin', 'read the password from the first line of stdin');

export function registerAccess(program: Command): void {
  const user = program.command('user').description('users of the API and the console, and their roles');
  user
    .command('add <name>')
    .description('add a user (a random password is made and printed once unless one is given)')
    .addOption(roleOption())
    .addOption(stdinOption())
    .addOption(dataDirOption())
    .action(async (name: string, f) => (await load()).userAdd(name, f));
  addOutputOption(
    user.command('list').description('users and their roles').addOption(dataDirOption()),
  ).action(async (f) => (await load()).userList(f));
  user
    .command('remove <name>')
    .description('remove a user with its sessions and API keys')
    .addOption(dataDirOption())
    .action(async (name: string, f) => (await load()).userRemove(name, f));
  user
    .command('passwd <name>')
    .description("set a user's password (prompted, or --password-stdin)")
    .addOption(stdinOption())
    .addOption(dataDirOption())
    .action(async (name: string, f) => (await load()).userPasswd(name, f));
  user
    .command('role <name>')
    .description("change a user's role")
    .addOption(roleOption())
    .addOption(dataDirOption())
    .action(async (name: string, f) => (await load()).userRole(name, f));

  const key = program.command('apikey').description('API keys: Authorization: Bearer <key>');
  addOutputOption(
    key
      .command('create <name>')
      .description('create an API key: it is printed once, only its digest is kept')
      .requiredOption('--owner <user>', 'the user it acts for (its role never exceeds theirs)')
      .addOption(roleOption('viewer'))
      .option('--expires <time>', 'expiry: ISO 8601, or a duration such as 90d')
      .addOption(dataDirOption()),
  ).action(async (name: string, f) => (await load()).keyCreate(name, f));
  addOutputOption(
    key.command('list').description('API keys (prefix, owner, role, last use)').addOption(dataDirOption()),
  ).action(async (f) => (await load()).keyList(f));
  key
    .command('revoke <id>')
    .description('revoke an API key by its id or prefix (dtc_1a2b3c4d)')
    .addOption(dataDirOption())
    .action(async (id: string, f) => (await load()).keyRevoke(id, f));
}
