// The `dtc` command line. Each subcommand lives in its own file and registers itself here. Registering
// is cheap: a registration file declares the command, its options and help, and imports the module
// that does the work (src/cli/actions/) only when the command runs, so `dtc --help`, `dtc --version`
// and `dtc cmd list` never load the store, the HTTP server or the simulator.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerAccess } from './access.ts';
import { registerAssets } from './assets.ts';
import { registerCall } from './call.ts';
import { registerCase } from './case.ts';
import { registerCluster } from './cluster.ts';
import { addCatalogCommands, registerCmd } from './cmd.ts';
import { registerCompletion } from './completion.ts';
import { registerEndpoints } from './endpoints.ts';
import { registerInstance } from './instance.ts';
import { registerMcp } from './mcp.ts';
import { registerNormalize } from './normalize.ts';
import { registerReport } from './report.ts';
import { registerSecrets } from './secrets.ts';
import { registerSimulator } from './simulator.ts';
import { registerSink } from './sink.ts';
import { registerStart } from './start.ts';
import { registerStore } from './store-copy.ts';

/** The package version; package.json is two levels up from both src/cli/ and dist/cli/. */
export function version(): string {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
}

/** The whole command tree, before parsing. The catalog commands under `dtc cmd` are added on demand. */
export function buildProgram(): Command {
  const program = new Command('dtc')
    .description('The Darktrace integration hub: SDK, simulator, normaliser, collector and SOC commands')
    // The root parses its own options wherever they appear, so -V works after any subcommand too.
    .version(version(), '-V, --version', 'print the version')
    .showHelpAfterError()
    .exitOverride();
  // Subcommands register here, one line each.
  registerCall(program);
  registerNormalize(program);
  registerSimulator(program);
  registerStart(program);
  registerInstance(program);
  registerEndpoints(program);
  registerCmd(program);
  registerSink(program);
  registerAssets(program);
  registerCase(program);
  registerAccess(program);
  registerReport(program);
  registerSecrets(program);
  registerStore(program);
  registerCluster(program);
  registerMcp(program);
  registerCompletion(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    // `dtc cmd …` (and `dtc help cmd`) need the catalog's commands declared before parsing.
    if (argv.slice(2).includes('cmd')) await addCatalogCommands(program);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`dtc: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
