// The flags of `dtc sink add` that set a sink type's options, derived from each type's spec in the sink
// registry (`flagsOf`), so its help, defaults and checks are the spec's. A field marked secret is never
// taken as a value on the command line (shell history, `ps`): it is `--<flag>-env NAME`, written to the
// config file as the `${NAME}` reference the config loader resolves at start.
// Loaded only when `dtc sink add` runs or shows its help: the registry brings every sink with it.
import { type Command, Option } from 'commander';
import { SINKS } from '../../deliver/registry.ts';
import type { SinkModule } from '../../deliver/types.ts';
import { type DerivedFlag, flagAttribute, flagsOf, valuesFromFlags } from '../../util/spec.ts';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One option flag of one sink type. */
export interface SinkTypeFlag extends DerivedFlag {
  type: string;
}

function typeFlags(m: SinkModule): SinkTypeFlag[] {
  return flagsOf(m.options).map((f) =>
    f.secret
      ? {
          ...f,
          type: m.type,
          flag: `${f.flag}-env`,
          arg: '<NAME>',
          parse: (name: string) => {
            if (!ENV_NAME.test(name))
              throw new Error(
                `takes the name of an environment variable (letters, digits, _), got "${name}"`,
              );
            return `\${${name}}`;
          },
        }
      : { ...f, type: m.type },
  );
}

/** Every sink type's option flags, in the registry's order. */
export const SINK_TYPE_FLAGS: SinkTypeFlag[] = SINKS.flatMap((m) => typeFlags(m));

/** The flags `dtc sink add` takes whatever the type. */
export const SINK_ADD_OWN_FLAGS = ['--url', '--format', '--config', '--data-dir'];

/**
 * Adds each distinct option flag once, in a help group per set of types that take it, with the spec's
 * description and default (`splunk: HEC token; nats: auth token` where the types say it differently).
 */
export function addSinkTypeOptions(cmd: Command): void {
  const byFlag = new Map<string, SinkTypeFlag[]>();
  for (const f of SINK_TYPE_FLAGS) byFlag.set(f.flag, [...(byFlag.get(f.flag) ?? []), f]);
  for (const [flag, fs] of byFlag) {
    const types = fs.map((f) => f.type);
    const texts = [...new Set(fs.map((f) => f.description))];
    const text = texts.length === 1 ? texts[0] : fs.map((f) => `${f.type}: ${f.description}`).join('; ');
    const defaults = [...new Set(fs.map((f) => f.default).filter((d) => d !== undefined))];
    const shown =
      defaults.length === 1 && !['false', '{}', '[]'].includes(defaults[0]!)
        ? ` (default ${defaults[0]})`
        : '';
    const secret = fs[0].secret
      ? ': the NAME of the environment variable that holds it (stored as ${NAME})'
      : '';
    cmd.addOption(
      new Option(`${flag}${fs[0].arg ? ` ${fs[0].arg}` : ''}`, `${text}${secret}${shown}`).helpGroup(
        `Options of ${types.join(', ')} sinks:`,
      ),
    );
  }
}

/**
 * The options the flags set for a sink of `type`, parsed as the spec says (a secret as its `${NAME}`).
 * A flag of another type is refused, naming the flags this type takes.
 */
export function sinkOptionsFromFlags(type: string, given: Record<string, unknown>): Record<string, unknown> {
  const mine = SINK_TYPE_FLAGS.filter((f) => f.type === type);
  const own = new Set(mine.map((f) => f.flag));
  for (const f of SINK_TYPE_FLAGS)
    if (!own.has(f.flag) && given[flagAttribute(f.flag)] !== undefined)
      throw new Error(
        `${f.flag} is not an option of ${type} sinks (${type} takes ${[...own].join(', ') || 'no options'})`,
      );
  return valuesFromFlags(mine, given);
}
