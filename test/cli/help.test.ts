// --help on every command and subcommand of the tree (the catalog commands under `dtc cmd` included),
// and -V/--version wherever it is given.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addCatalogCommands } from '../../src/cli/cmd.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { commands } from '../../src/commands/catalog.ts';
import { runDtc } from '../helpers/dtc.ts';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** Every command path of the tree, e.g. ['instance', 'add']. */
function paths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => {
    const p = [...prefix, c.name()];
    return [p, ...paths(c, p)];
  });
}

/** Parses `dtc <args>` in this process; what it printed and how it ended. */
async function parse(args: string[]) {
  const program = buildProgram();
  await addCatalogCommands(program);
  let out = '';
  let err = '';
  const capture = (c: Command) => {
    c.configureOutput({
      writeOut: (s) => {
        out += s;
      },
      writeErr: (s) => {
        err += s;
      },
    });
    c.commands.forEach(capture);
  };
  capture(program);
  let code: string | undefined;
  try {
    await program.parseAsync(['node', 'dtc', ...args]);
  } catch (e) {
    code = (e as { code?: string }).code;
  }
  return { out, err, code };
}

describe('--help', () => {
  it('works on every command and subcommand, without running it', async () => {
    const program = buildProgram();
    await addCatalogCommands(program);
    const all = paths(program);
    expect(all.length).toBeGreaterThan(commands.length + 15);
    for (const p of all) {
      const r = await parse([...p, '--help']);
      expect({ p, code: r.code, err: r.err }).toEqual({ p, code: 'commander.helpDisplayed', err: '' });
      expect(r.out).toMatch(new RegExp(`^Usage: dtc ${p.join(' ')}[ |]`));
    }
  });

  it('dtc cmd <name> --help, by name or alias, lists the parameters and what comes back', async () => {
    for (const args of [
      ['cmd', 'acknowledge', '--help'],
      ['cmd', 'darktrace-acknowledge', '-h'],
      ['cmd', 'help', 'acknowledge'],
    ]) {
      const r = await runDtc(args);
      expect({ args, code: r.code, err: r.err }).toEqual({ args, code: 0, err: '' });
      expect(r.out).toMatch(/^Usage: dtc cmd acknowledge\|darktrace-acknowledge \[options\]$/m);
      expect(r.out).toMatch(/^Parameters:\n {2}--breach-ids <list> +model breach IDs \(pbid\) \(required; /m);
      expect(r.out).toMatch(/^Connection:\n {2}--instance <name>/m);
      expect(r.out).toMatch(/^Returns: per breach: /m);
    }
    const pcap = await runDtc(['cmd', 'create-pcap', '--help']);
    expect(pcap.out).toMatch(/--protocol <value> .*\(choices: "tcp", "udp"\)/s);
  });

  it('a mistake in dtc cmd still names the flag and exits 1 before any request', async () => {
    const unknown = await runDtc(['cmd', 'acknowledge', '--breach-id', '1']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/unknown option '--breach-id'\n\(Did you mean --breach-ids\?\)/);
    const missing = await runDtc(['cmd', 'acknowledge', '--url', 'http://127.0.0.1:9']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/--breach-ids: is required/);
    const nope = await runDtc(['cmd', 'nope']);
    expect(nope.code).toBe(1);
    expect(nope.err).toMatch(/unknown command "nope": see dtc cmd list/);
  });
});

describe('-V, --version', () => {
  it('prints the package version wherever it is given', async () => {
    for (const args of [
      ['-V'],
      ['--version'],
      ['instance', 'list', '-V'],
      ['cmd', 'acknowledge', '--version'],
    ]) {
      const inProcess = await parse(args);
      expect({ args, out: inProcess.out, code: inProcess.code }).toEqual({
        args,
        out: `${VERSION}\n`,
        code: 'commander.version',
      });
    }
    const r = await runDtc(['sink', 'list', '--version']);
    expect(r).toEqual({ code: 0, out: `${VERSION}\n`, err: '' });
  });
});
