// `dtc completion bash|zsh`: the generated scripts, loaded in the real shells, offer the subcommands,
// aliases, options and choices of the command tree, skip option values, and fall back to file names.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';
import { commands } from '../../src/commands/catalog.ts';
import { runDtc } from '../helpers/dtc.ts';
import { program } from '../helpers/programs.ts';

const dir = mkdtempSync(join(tmpdir(), 'dtc-completion-'));
const scripts: Record<'bash' | 'zsh', string> = { bash: '', zsh: '' };

beforeAll(async () => {
  for (const shell of ['bash', 'zsh'] as const) {
    const r = await runDtc(['completion', shell]);
    expect(r.code).toBe(0);
    scripts[shell] = join(dir, `dtc.${shell}`);
    writeFileSync(scripts[shell], r.out);
  }
});

interface Completion {
  words: string[];
  files: boolean;
}

/** Completes the last of `words` (the words after `dtc`) the way bash does on TAB. */
function bash(...words: string[]): Completion {
  const out = execFileSync(
    'bash',
    [
      '--norc',
      '--noprofile',
      '-c',
      'source "$1"; shift; COMP_WORDS=(dtc "$@"); COMP_CWORD=$#; _dtc; ' +
        'printf "%s\\n" "${COMPREPLY[@]}"; echo "files=$_dtc_files"',
      'bash',
      scripts.bash,
      ...words,
    ],
    { encoding: 'utf8' },
  );
  const lines = out.trimEnd().split('\n');
  const files = lines.pop() === 'files=1';
  return { words: lines.filter(Boolean), files };
}

const rootCommands = () => {
  const p = buildProgram();
  return [...p.commands.map((c) => c.name()), 'help'];
};

describe('dtc completion bash', () => {
  it('registers _dtc for dtc with file names as the fallback', () => {
    const out = execFileSync('bash', ['--norc', '-c', 'source "$1"; complete -p dtc', 'bash', scripts.bash], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('complete -o default -F _dtc dtc');
  });

  it('offers every command of the tree, then narrows by prefix', () => {
    expect(bash('').words.sort()).toEqual(rootCommands().sort());
    expect(bash('ins').words).toEqual(['instance']);
    expect(bash('instance', '').words.sort()).toEqual([
      'add',
      'help',
      'list',
      'remove',
      'show',
      'test',
      'update',
    ]);
    expect(bash('sink', 're').words.sort()).toEqual(['remove', 'reset']);
  });

  it('offers the whole catalog under cmd, and follows aliases', () => {
    const all = bash('cmd', '').words;
    for (const c of commands) expect(all).toContain(c.name);
    expect(all).toContain('list');
    expect(bash('cmd', 'ack').words).toEqual(['acknowledge', 'acknowledge-ai-analyst-incident-event']);
    const viaAlias = bash('cmd', 'darktrace-acknowledge', '--').words;
    expect(viaAlias).toEqual(
      expect.arrayContaining(['--breach-ids', '--instance', '--data-dir', '--output', '--help']),
    );
    expect(bash('cmd', 'download-pcap', '--out').words.sort()).toEqual(['--out-file', '--output']);
    expect(bash('cmd', 'help', 'create-').words).toEqual(['create-actions', 'create-pcap']);
  });

  it('offers the choices of an option and of an argument', () => {
    expect(bash('instance', 'list', '-o', '').words).toEqual(['json', 'table', 'yaml']);
    // bash splits --output=y into --output, =, y
    expect(bash('sink', 'list', '--output', '=', 'y').words).toEqual(['yaml']);
    expect(bash('normalize', '--to', '').words).toEqual(['ecs', 'ocsf', 'cef', 'leef', 'json']);
    expect(bash('completion', '').words).toEqual(['bash', 'zsh']);
    expect(bash('cmd', 'create-actions', '--action', '').words.length).toBeGreaterThan(0);
  });

  it('does not take an option value for a subcommand, and leaves file names to bash', () => {
    // After an option's value, the next word is an option again (backfill takes no arguments).
    expect(bash('backfill', '--since', '7d', '').words).toEqual(
      expect.arrayContaining(['--instance', '--workers']),
    );
    expect(bash('backfill', '--since', '').files).toBe(true);
    expect(bash('start', '--config', '')).toEqual({ words: [], files: true });
    expect(bash('start', '--config', 'dtc.yaml', '--no').words).toEqual(['--no-demo']);
  });
});

const zsh = program('zsh', 'zsh');

describe.skipIf(!zsh)('dtc completion zsh', () => {
  /** Loads the script in zsh after compinit, then runs the completion walk on `words`. */
  function run(...words: string[]): { registered: string; words: string[]; files: boolean } {
    const out = execFileSync(
      zsh!,
      [
        '-f',
        '-c',
        'autoload -U compinit && compinit -u -D; source "$1"; shift; print -r -- "${_comps[dtc]}"; ' +
          '_dtc_candidates "${@[-1]}" "${(@)@[1,-2]}"; print -rl -- ${=_dtc_reply}; print -r -- "files=$_dtc_files"',
        'zsh',
        scripts.zsh,
        ...words,
      ],
      { encoding: 'utf8', env: { ...process.env, HOME: dir, ZDOTDIR: dir } },
    );
    const lines = out.trimEnd().split('\n');
    const files = lines.pop() === 'files=1';
    const [registered, ...rest] = lines;
    return { registered, words: rest.filter(Boolean), files };
  }

  it('registers _dtc with compdef and walks the same tree as bash', () => {
    const root = run('');
    expect(root.registered).toBe('_dtc');
    expect(root.words.sort()).toEqual(rootCommands().sort());
    const cmd = run('cmd', '').words;
    for (const c of commands) expect(cmd).toContain(c.name);
    expect(run('cmd', 'darktrace-acknowledge', '--').words).toContain('--breach-ids');
    expect(run('instance', 'list', '--output', '').words).toEqual(['json', 'table', 'yaml']);
    expect(run('backfill', '--since', '7d', '').words).toContain('--instance');
    expect(run('start', '--config', '')).toMatchObject({ words: [], files: true });
  });

  it('completes on TAB in an interactive zsh', () => {
    const driver = join(import.meta.dirname, 'zpty-complete.zsh');
    const tab = (typed: string, expected: string) =>
      execFileSync(zsh!, ['-f', driver, scripts.zsh, typed, expected], {
        encoding: 'utf8',
        env: { ...process.env, HOME: dir, ZDOTDIR: dir },
        timeout: 30_000,
      }).trim();
    expect(tab('dtc cmd download-p', 'download-pcap')).toBe('cmd download-pcap');
    expect(tab('dtc instance list --output t', 'table')).toBe('instance list --output table');
    expect(tab('dtc cmd darktrace-acknowledge --bre', '--breach-ids')).toBe(
      'cmd darktrace-acknowledge --breach-ids',
    );
  });

  it('is valid zsh', () => {
    expect(() => execFileSync(zsh!, ['-n', scripts.zsh])).not.toThrow();
  });
});
