// The declarative configuration file (YAML or JSON) for teams that keep configuration in git. Secrets
// are `${ENV_VAR}` references resolved at load time. Validation happens once, at start, and a bad file
// stops the start with a message naming the field.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { assetsScheduleSchema } from '../assets/config.ts';
import { ROLES } from '../auth/roles.ts';
import { caseConnectorSpec } from '../cases/spec.ts';
import { instanceSpec } from '../collect/instance.ts';
import { syslogSpec } from '../collect/listener.ts';
import { windowsSpec } from '../collect/windows.ts';
import { parseSink, SINKS } from '../deliver/registry.ts';
import { batchSizeSpec, retrySpec } from '../deliver/retry.ts';
import { FORMATS } from '../normalize/index.ts';
import { FAMILIES } from '../normalize/model.ts';
import { reportsSpec } from '../report/config.ts';
import { apiSpec } from '../server/spec.ts';
import { fieldPath, httpUrl, issueLines, NAME, secret, secretKeys } from '../util/spec.ts';

const url = httpUrl();

const SEVERITY_LABELS = ['unknown', 'informational', 'low', 'medium', 'high', 'critical'];

export const sinkSchema = z
  .strictObject({
    name: z.string().regex(NAME, 'letters, digits, - and _ only, at most 63 characters'),
    format: z.enum(FORMATS, { message: `must be one of ${FORMATS.join(', ')}` }),
    url: z.string(),
    /** The sink type's options (see its spec): beside or instead of the URL's query, e.g. a token from ${ENV}. */
    options: z.record(z.string(), z.unknown()).optional(),
    filter: z
      .strictObject({
        instances: z.array(z.string()).optional(),
        families: z.array(z.enum(FAMILIES as [string, ...string[]])).optional(),
        /** 0–5 or a label (low, medium, high, critical). */
        minSeverity: z
          .union([z.number().int().min(0).max(5), z.enum(SEVERITY_LABELS as [string, ...string[]])])
          .transform((v) => (typeof v === 'number' ? v : SEVERITY_LABELS.indexOf(v)))
          .optional(),
      })
      .default({}),
    batchSize: batchSizeSpec,
    retry: retrySpec.prefault({}),
  })
  // The URL and options against the sink type's own spec, each problem with its path.
  .superRefine((c, ctx) => {
    const parsed = parseSink(c.url, c.options);
    if (Array.isArray(parsed))
      for (const p of parsed) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
  });

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Single sign-on by OpenID Connect. The client secret is a `${ENV}` reference in practice; it is never
 * logged nor returned. Who may sign in, and as what, comes from one claim through `roleMap`.
 */
export const oidcSchema = z
  .strictObject({
    /** The provider's issuer; its metadata is read from `<issuer>/.well-known/openid-configuration`. */
    issuer: z.string().refine(
      (v) => {
        try {
          const u = new URL(v);
          return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK_HOSTS.includes(u.hostname));
        } catch {
          return false;
        }
      },
      {
        message:
          'must be an https URL such as https://login.example.com/realms/soc (http only for a provider on this machine)',
      },
    ),
    clientId: z.string().min(1, 'is empty'),
    clientSecret: secret(z.string().min(1, 'is empty'), 'the client secret, a ${ENV} reference in practice'),
    /** How the client authenticates at the token endpoint. */
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'),
    /** Registered at the provider; default `<api.publicUrl or the API's address>/api/auth/oidc/callback`. */
    redirectUrl: url.optional(),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'a scope is one word'))
      .default(['openid', 'profile', 'email']),
    /** The claim with the person's groups or roles: `groups`, `roles`, `realm_access.roles`, a URL. */
    roleClaim: z.string().min(1).default('groups'),
    /** Claim value → role (viewer, analyst, responder, admin); the strongest match wins. */
    roleMap: z
      .record(z.string().min(1), z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }))
      .default({}),
    /** The role of someone none of whose values is mapped; absent: they are refused. */
    defaultRole: z.enum(ROLES, { message: `must be one of ${ROLES.join(', ')}` }).optional(),
    /** The claim that names the user here (shown in lists and the audit trail). */
    nameClaim: z.string().min(1).default('preferred_username'),
    /** Let a sign-on use a local (password) user of the same name; otherwise it is refused. */
    takeOverLocalUsers: z.boolean().default(false),
    /** A private CA for the provider's certificate. */
    tls: z.strictObject({ caFile: z.string() }).optional(),
  })
  .superRefine((o, ctx) => {
    if (!Object.keys(o.roleMap).length && !o.defaultRole)
      ctx.addIssue({
        code: 'custom',
        path: ['roleMap'],
        message:
          'maps no claim value to a role and there is no defaultRole, so no one could sign in: ' +
          'add e.g. { dtc-admins: admin, dtc-analysts: analyst }',
      });
  });

/**
 * Where detections and everything else are kept: the data directory's SQLite file by default, or a
 * PostgreSQL database shared by several replicas. The URL holds a password: write it as ${ENV}.
 */
export const storeSpec = z.strictObject({
  // Not marked secret: redaction goes by field name, and every `url` would be hidden from the logs.
  // The store never shows this URL: it names the server without the password (describePostgresUrl).
  url: z
    .string()
    .regex(
      /^postgres(ql)?:\/\//i,
      'must be a postgres:// URL (leave it out to keep the SQLite file in the data directory)',
    )
    .optional()
    .describe(
      'a PostgreSQL database, postgres://user:password@host:5432/db (default: SQLite in the data directory)',
    ),
  poolSize: z.number().int().min(1).max(200).default(10).describe('connections to PostgreSQL'),
});

/** Replicas sharing a PostgreSQL store (src/cluster/): who this one is, and how long its leases last. */
export const clusterSpec = z.strictObject({
  replicaId: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces (it goes into User-Agent headers)')
    .optional()
    .describe(
      "this replica's id, unique among the replicas (--replica-id, DTC_REPLICA_ID; default host-pid-random)",
    ),
  leaseSeconds: z
    .number()
    .min(2)
    .max(600)
    .default(15)
    .describe('how long a lease on an instance or a sink lasts unless renewed (renewed every third of it)'),
});

export const configSchema = z.strictObject({
  dataDir: z.string().optional(),
  store: storeSpec.prefault({}),
  cluster: clusterSpec.prefault({}),
  api: apiSpec.prefault({}),
  commands: z
    .strictObject({
      /** Items one multi-item command call may carry (acknowledge 2,000 IDs = 2,000 appliance calls). */
      maxItems: z.number().int().min(1).max(100_000).default(500),
    })
    .prefault({}),
  collector: windowsSpec.prefault({}),
  instances: z.array(instanceSpec).default([]),
  syslog: syslogSpec.optional(),
  sinks: z.array(sinkSchema).default([]),
  /** Case-management connectors (src/cases/): Request Tracker, Jira, ServiceNow. */
  cases: z.array(caseConnectorSpec).default([]),
  oidc: oidcSchema.optional(),
  /** The scheduled asset export (src/assets/). */
  assets: assetsScheduleSchema.optional(),
  /** Executive reports on a schedule, to a folder, a webhook or by e-mail (src/report/). */
  reports: reportsSpec.default([]),
  /** What is kept of records that could not be understood or delivered. */
  deadLetters: z
    .strictObject({
      maxAgeDays: z.number().min(0).max(3650).default(30),
      maxMegabytes: z.number().min(0).max(1_000_000).default(100),
      excerptBytes: z.number().int().min(0).max(1_048_576).default(4096),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;

/**
 * Every field name marked secret in a component's spec (the instance's privateToken, a sink's token or
 * apiKey, the OIDC clientSecret): the one list the logs redact (see logger.ts).
 */
export const SECRET_KEYS: readonly string[] = [
  ...new Set([...secretKeys(configSchema), ...SINKS.flatMap((m) => secretKeys(m.options))]),
];
export type SinkConfigEntry = z.infer<typeof sinkSchema>;
export type OidcConfig = z.infer<typeof oidcSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Replaces `${VAR}` in every string with the environment's value. A missing variable does not stop the
 * walk: its field is recorded in `missing` (path → message) so that it is reported along with every
 * other error in the file, and the value is left as written.
 */
function resolveEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: string[],
  missing: Map<string, string>,
): unknown {
  if (typeof value === 'string') {
    const unset: string[] = [];
    const out = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
      const v = env[name];
      if (v === undefined) {
        unset.push(name);
        return whole;
      }
      return v;
    });
    if (unset.length)
      missing.set(
        fieldPath(path),
        unset.map((n) => `environment variable ${n} is not set (referenced as \${${n}})`).join('; '),
      );
    return out;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveEnv(v, env, [...path, String(i)], missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveEnv(v, env, [...path, k], missing)]),
    );
  }
  return value;
}

/** Validates an already-parsed config object; errors name every bad field. */
export function validateConfig(
  raw: unknown,
  env: NodeJS.ProcessEnv = process.env,
  source = 'config',
): Config {
  const missing = new Map<string, string>();
  const resolved = resolveEnv(raw ?? {}, env, [], missing);
  const result = configSchema.safeParse(resolved);
  // Every error at once: the unset variables, then what the schema refuses. A field whose variable is
  // unset is reported for that alone (its unresolved text may also fail the schema: noise).
  const lines = [...missing].map(([where, msg]) => `${where}: ${msg}`);
  if (!result.success)
    lines.push(...issueLines(result.error.issues.filter((i) => !missing.has(fieldPath(i.path)))));
  if (result.success) {
    const seen = (what: string, items: { name: string }[]) => {
      const names = new Set<string>();
      for (const [i, x] of items.entries()) {
        if (names.has(x.name)) lines.push(`${what}[${i}].name: "${x.name}" is used twice`);
        names.add(x.name);
      }
    };
    seen('instances', result.data.instances);
    seen('sinks', result.data.sinks);
    seen('cases', result.data.cases as { name: string }[]);
    const sl = result.data.syslog;
    if (sl?.tlsPort !== undefined && !sl.tls)
      lines.push('syslog.tls: is required with syslog.tlsPort (keyFile, certFile)');
    // The provider sends browsers back to this URL; a Host the API refuses would end every sign-on there.
    const { oidc, api } = result.data;
    const back = oidc?.redirectUrl ?? api.publicUrl;
    const host = back && new URL(back).hostname.toLowerCase();
    if (oidc && host && api.allowedHosts && !api.allowedHosts.includes(host))
      lines.push(
        `${oidc.redirectUrl ? 'oidc.redirectUrl' : 'api.publicUrl'}: its host ${host} is not in api.allowedHosts, so the API would refuse the sign-on's callback`,
      );
  }
  if (lines.length || !result.success)
    throw new ConfigError(`${source} is invalid:\n  - ${lines.join('\n  - ')}`);
  return result.data;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON, so one parser reads both.
  } catch (err) {
    throw new ConfigError(`${path} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  return validateConfig(raw, env, path);
}
