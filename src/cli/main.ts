// The `dtc` command line. Each subcommand lives in its own file and registers itself here.
import { Command, CommanderError } from 'commander';
import { registerCall } from './call.ts';
import { registerCmd } from './cmd.ts';
import { registerEndpoints } from './endpoints.ts';
import { registerInstance } from './instance.ts';
import { registerMcp } from './mcp.ts';
import { registerNormalize } from './normalize.ts';
import { registerSimulator } from './simulator.ts';
import { registerSink } from './sink.ts';
import { registerStart } from './start.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('dtc')
    .description('The Darktrace integration hub: SDK, simulator, normaliser, collector and SOC commands')
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
  registerMcp(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    process.stderr.write(`dtc: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
