// The flags of `dtc start` that set a spec field, derived from the API's and the syslog listener's specs,
// shared by the declaration (../start.ts) and the work (actions/start.ts).
import { syslogSpec } from '../collect/listener.ts';
import { apiSpec } from '../server/spec.ts';
import { type DerivedFlag, flagsOf } from '../util/spec.ts';

/** The flags as commander names them: the spec-derived ones and the service's own. */
export interface StartFlags {
  dataDir?: string;
  config?: string;
  store?: string;
  replicaId?: string;
  demo: boolean;
  sink?: string[];
  [specFlag: string]: string | boolean | string[] | undefined;
}

/** A spec field set by a `dtc start` flag: `api.port`, `syslog.tcpPort`, … */
export interface StartSpecFlag extends DerivedFlag {
  section: 'api' | 'syslog';
}

/**
 * Every flag derived from the specs. One flag may set a field of each (`--tls-key`: HTTPS for the API
 * and the syslog TLS listener's key). `syslog.defaultInstance` is a refused legacy key, not a setting.
 */
export const START_SPEC_FLAGS: StartSpecFlag[] = [
  ...flagsOf(apiSpec).map((f) => ({ ...f, section: 'api' as const })),
  ...flagsOf(syslogSpec)
    .filter((f) => f.path[0] !== 'defaultInstance')
    .map((f) => ({ ...f, section: 'syslog' as const })),
];

/** The flags of `dtc start` that are no spec field: where the service lives and what it runs. */
export const START_OWN_FLAGS = ['--data-dir', '--config', '--no-demo', '--sink', '--store', '--replica-id'];
