// A case connector: one loop that reads the store's append log from the connector's own offset (like a
// sink, src/deliver/worker.ts) and opens or updates cases, and one that reads what analysts did in those
// cases (a poll from a stored cursor, plus webhooks) and carries it to Darktrace through the command
// layer, audited as `case:<connector>:<case user>`. The detection ↔ case links are stored, so a restart
// or a replay updates a case instead of opening another; changes made by the connector's own case user
// are never carried back, and each inbound change is applied once.

import type { Registry } from 'prom-client';
import { findCommand } from '../commands/catalog.ts';
import { runOnInstance } from '../commands/on-instance.ts';
import type { ItemResult } from '../commands/run.ts';
import { DEFAULT_RETRY, retryWaitMs } from '../deliver/retry.ts';
import { passes, type WorkerLog } from '../deliver/worker.ts';
import type { Detection } from '../normalize/index.ts';
import { type DetectionRow, readModel } from '../read/index.ts';
import { StoreIoError } from '../store/errors.ts';
import type { Store } from '../store/index.ts';
import { scrubSecrets } from '../util/redact.ts';
import { caseUpdate, groupEventComment, newCase } from './content.ts';
import { type CaseMetrics, caseMetrics } from './metrics.ts';
import { caseSystemModule } from './registry.ts';
import { type CaseConnectorConfig, type CaseFilter, publicCaseConfig, secretValues } from './spec.ts';
import { type CaseChange, CaseError, type CaseSystem } from './types.ts';

export interface CaseConnectorDeps {
  log: WorkerLog;
  /** Where people reach our console (links in cases); the connector's own `publicUrl` wins. */
  publicUrl?: string | (() => string | undefined);
  /** Items one command call may carry (config commands.maxItems). */
  maxItems?: number;
  /** The service's Prometheus registry: the connectors' metrics go there (src/cases/metrics.ts). */
  registry?: Registry;
  /** Set by CaseConnectors from `registry`. */
  metrics?: CaseMetrics;
}

/** An inbound change as the status shows it. */
export interface RecentInbound {
  at: number;
  id: string;
  caseId: string;
  kind: CaseChange['kind'];
  author: string;
  outcome: InboundResult['outcome'] | 'failed';
  via: 'webhook' | 'poll';
  ok: number;
  failed: number;
  error?: string;
}

/** What one inbound change did in Darktrace. */
export interface InboundResult {
  change: CaseChange;
  /** `applied`, or why not: `own` (the connector's own change), `seen` (applied before), `unlinked`. */
  outcome: 'applied' | 'own' | 'seen' | 'unlinked' | 'empty';
  /** Per Darktrace item (pbid or event id) results of the commands run. */
  items: ItemResult[];
}

type Canonical = Omit<Detection, 'raw'>;

const IDLE_MS = 500;
/** Inbound changes the status remembers (in memory: what an operator checks right after a test). */
const RECENT = 20;
/** Inbound events older than this are forgotten: no poll looks back that far. */
const EVENT_MEMORY_MS = 30 * 86_400_000;

/** Whether a detection opens (or updates) a case: the sink filter's columns, then score and model. */
export function keeps(row: DetectionRow, d: Canonical | null | undefined, f: CaseFilter): boolean {
  if (!passes(row, f)) return false;
  if (!d) return true; // a record the normaliser refuses is dead-lettered, not silently dropped
  if (f.minScore !== undefined && (d.scores.normalized ?? 0) < f.minScore) return false;
  if (f.models?.length) {
    const name = d.analytic?.name ?? '';
    if (!f.models.some((m) => name.startsWith(m))) return false;
  }
  return true;
}

export class CaseConnector {
  readonly config: CaseConnectorConfig;
  readonly system: CaseSystem;
  readonly #store: Store;
  readonly #log: WorkerLog;
  readonly #publicUrlOf: () => string | undefined;
  readonly #maxItems?: number;
  readonly #secrets: string[];
  #stopping = false;
  /** Ends the current sleep of each loop (notify wakes the outbound one, stop both). */
  #wake: { outbound?: () => void; inbound?: () => void } = {};
  #loops: Promise<void>[] = [];
  /** Inbound changes are applied one at a time, whether a webhook or the poll brought them. */
  #inbound: Promise<unknown> = Promise.resolve();
  #lastPoll: { at: number; error: string | null } | null = null;
  readonly #metrics?: CaseMetrics;
  readonly #recent: RecentInbound[] = [];

  constructor(store: Store, config: CaseConnectorConfig, deps: CaseConnectorDeps, system?: CaseSystem) {
    this.config = config;
    this.#store = store;
    this.#log = deps.log;
    const fallback = deps.publicUrl;
    this.#publicUrlOf = () =>
      config.publicUrl ?? (typeof fallback === 'function' ? fallback() : fallback) ?? undefined;
    this.#maxItems = deps.maxItems;
    this.#secrets = secretValues(config);
    this.#metrics = deps.metrics;
    this.system = system ?? caseSystemModule(config.type).create(config, { name: config.name });
  }

  get name(): string {
    return this.config.name;
  }

  #scrub(msg: string): string {
    return scrubSecrets(msg, this.#secrets);
  }

  start(): void {
    // Started again when its lease comes back to this replica (src/service/cluster.ts).
    this.#stopping = false;
    this.#loops = [
      this.#loop(() => this.pass(), IDLE_MS, 'outbound'),
      this.#loop(() => this.poll(), this.config.pollIntervalSeconds * 1000, 'inbound'),
    ];
  }

  /** New rows were stored: look now. */
  notify(): void {
    this.#wake.outbound?.();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.outbound?.();
    this.#wake.inbound?.();
    await Promise.all(this.#loops);
    await this.#inbound.catch(() => {});
  }

  #sleep(ms: number, loop: 'outbound' | 'inbound'): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      const wake = this.#wake;
      function done() {
        clearTimeout(t);
        wake[loop] = undefined;
        resolve();
      }
      wake[loop] = done;
    });
  }

  /** Runs `step` until stopped: after work at once, when idle after `idleMs`, after a failure with backoff. */
  async #loop(step: () => Promise<number>, idleMs: number, what: 'outbound' | 'inbound'): Promise<void> {
    let attempt = 0;
    while (!this.#stopping) {
      try {
        const n = await step();
        attempt = 0;
        if (!n || what === 'inbound') await this.#sleep(idleMs, what);
      } catch (err) {
        attempt++;
        const wait = retryWaitMs(DEFAULT_RETRY, attempt, undefined);
        const msg = this.#scrub((err as Error).message);
        if (attempt === 1 || attempt % 10 === 0)
          this.#log.warn(
            `case[${this.name}]: ${what} failed (attempt ${attempt}), retrying in ${wait} ms: ${msg}`,
          );
        if (!(err instanceof StoreIoError)) await this.#recordError(msg);
        this.#metrics?.errors.inc({ connector: this.name, direction: what });
        await this.#sleep(what === 'inbound' ? Math.max(wait, idleMs) : wait, what);
      }
    }
  }

  async #recordError(msg: string): Promise<void> {
    try {
      await this.#store.cases.offsets.recordError(this.name, msg.slice(0, 2000));
    } catch {
      // the store cannot write: the loop says so and retries
    }
  }

  // ── outbound ──

  /** One pass over the log after the offset: opens or updates cases; returns the rows read. */
  async pass(): Promise<number> {
    const name = this.name;
    const offset = await this.#store.cases.offsets.get(name);
    const f = this.config.filter;
    const rows = await readModel(this.#store).readLog(offset, this.config.batchSize, {
      content: (row) => passes(row, f),
    });
    for (const row of rows) {
      if (this.#stopping) break;
      if (keeps(row, row.canonical, f)) {
        try {
          await this.#outbound(row);
        } catch (err) {
          if (err instanceof CaseError && err.retry) throw err; // the offset stays: this row again
          if (err instanceof StoreIoError) throw err;
          const msg = this.#scrub((err as Error).message);
          this.#log.warn(`case[${name}]: ${row.key} v${row.version} dead-lettered: ${msg}`);
          await this.#store.deadLetters.add({
            source: `case:${name}`,
            instance: row.instance,
            reason: `the case system refused it: ${msg}`.slice(0, 2000),
            payload: JSON.stringify({ seq: row.seq, key: row.key }),
          });
        }
      }
      await this.#store.cases.offsets.set(name, row.seq);
    }
    return rows.length;
  }

  /** The case a detection belongs to: its own, or its AI Analyst incident group's. */
  #subject(row: DetectionRow, d: Canonical): { subject: string; group?: string } {
    const group = d.related.group;
    if (this.config.per === 'incident' && row.family === 'ai_analyst' && group)
      return { subject: `${row.instance}/incident/${group}`, group };
    return { subject: row.key };
  }

  async #outbound(row: DetectionRow): Promise<void> {
    const d = row.canonical;
    if (!d) throw new Error(row.problem ?? 'the detection cannot be read');
    const name = this.name;
    const links = this.#store.cases.links;
    const state = { acknowledged: d.state.acknowledged, severity: d.severity };
    const link = await links.get(name, row.key);
    if (link?.status === 'gone' && this.config.onCaseGone === 'stop') return;
    if (link?.status === 'open') {
      const u = caseUpdate(d, link, { resolveOnAcknowledge: this.config.resolveOnAcknowledge });
      if (!u) return;
      try {
        await this.system.update(link.caseId, u);
      } catch (err) {
        if (!(await this.#isGone(err))) throw err;
        await this.#gone(link.caseId, err as CaseError);
        if (this.config.onCaseGone === 'stop' || d.state.acknowledged) return;
        return this.#open(row, d, state); // onCaseGone: reopen, with what the detection says now
      }
      await links.setState(name, row.key, state);
      this.#metrics?.updated.inc({ connector: name });
      this.#log.info(`case[${name}]: updated case ${link.caseId} for ${row.key} v${row.version}`);
      return;
    }
    // A detection acknowledged before any case existed needs no case.
    if (d.state.acknowledged) return;
    await this.#open(row, d, state);
  }

  /** Opens (or joins, or adopts) the case of a detection that has no open link. */
  async #open(row: DetectionRow, d: Canonical, state: { acknowledged: boolean; severity: number }) {
    const name = this.name;
    const links = this.#store.cases.links;
    const { subject, group } = this.#subject(row, d);
    const shared = subject === row.key ? undefined : await links.bySubject(name, subject);
    // The incident's case is gone: its later events follow the same choice as its first.
    if (shared?.status === 'gone' && this.config.onCaseGone === 'stop') return;
    if (shared?.status === 'open') {
      const severity = d.severity > shared.severity ? d.severity : undefined;
      try {
        await this.system.update(shared.caseId, {
          comment: groupEventComment(d, this.#publicUrlOf() || undefined),
          severity,
        });
        await links.set({ ...shared, detectionKey: row.key, ...state });
        this.#metrics?.updated.inc({ connector: name });
        this.#log.info(`case[${name}]: added ${row.key} to case ${shared.caseId} (incident ${group})`);
        return;
      } catch (err) {
        if (!(await this.#isGone(err))) throw err;
        await this.#gone(shared.caseId, err as CaseError);
        if (this.config.onCaseGone === 'stop') return;
        // onCaseGone: reopen: the incident gets a new case below
      }
    }
    // A crash between opening a case and storing its link left a case carrying this key: adopt it.
    // The connector's name is in the key: two connectors on one system never take each other's cases.
    const key = `${name}:${subject}`;
    const found = await this.system.find(key);
    if (found && !(await links.byCase(name, found.id)).some((l) => l.status === 'gone')) {
      await links.set({
        connector: name,
        detectionKey: row.key,
        subject,
        caseId: found.id,
        caseUrl: found.url,
        ...state,
      });
      this.#log.info(`case[${name}]: adopted case ${found.id} for ${row.key} (it carries the key ${key})`);
      return;
    }
    const ref = await this.system.open(newCase(d, key, this.#publicUrlOf() || undefined, group));
    await links.set({
      connector: name,
      detectionKey: row.key,
      subject,
      caseId: ref.id,
      caseUrl: ref.url,
      ...state,
    });
    this.#metrics?.opened.inc({ connector: name });
    this.#log.info(`case[${name}]: opened case ${ref.id} for ${row.key}`);
  }

  /**
   * Whether a failed update means the case is gone: the system answered 404 for the case while it
   * still answers for itself (a wrong URL or a system down is retried, never taken for a deleted case).
   */
  async #isGone(err: unknown): Promise<boolean> {
    if (!(err instanceof CaseError) || !err.gone) return false;
    try {
      await this.system.test();
      return true;
    } catch {
      return false;
    }
  }

  /** Marks a case's links gone, for good: no retry, said once in the log and in the status. */
  async #gone(caseId: string, err: CaseError): Promise<void> {
    const reason = this.#scrub(err.message).slice(0, 500);
    const n = await this.#store.cases.links.markGone(this.name, caseId, reason);
    this.#metrics?.gone.inc({ connector: this.name });
    const next = this.config.onCaseGone === 'stop' ? 'it is no longer updated' : 'a new case opens for it';
    this.#log.warn(
      `case[${this.name}]: case ${caseId} is gone from the case system (${n} detection(s)); ${next}: ${reason}`,
    );
  }

  // ── inbound ──

  /** One poll of the case system after the stored cursor; returns the changes applied. */
  poll(): Promise<number> {
    return this.#serial(async () => {
      const cases = this.#store.cases;
      try {
        const { changes, cursor } = await this.system.changes(await cases.cursors.get(this.name));
        let applied = 0;
        for (const c of changes) if ((await this.#apply(c, 'poll')).outcome === 'applied') applied++;
        await cases.cursors.set(this.name, cursor);
        await cases.events.prune(Date.now() - EVENT_MEMORY_MS);
        this.#lastPoll = { at: Date.now(), error: null };
        return applied;
      } catch (err) {
        this.#lastPoll = { at: Date.now(), error: this.#scrub((err as Error).message) };
        throw err;
      }
    });
  }

  /**
   * A webhook request: 401 without the right signature (logged), else its changes applied. A change
   * the appliance could not take answers 503, so the sender tries again (and the poll would catch it).
   */
  async webhook(
    headers: Record<string, string | string[] | undefined>,
    rawBody: string,
    from: string,
  ): Promise<{ status: number; body: unknown }> {
    const hook = this.system.webhook;
    if (!hook) return { status: 404, body: { message: `case connector "${this.name}" takes no webhooks` } };
    if (!hook.verify(headers, rawBody)) {
      this.#log.warn(`case[${this.name}]: refused a webhook from ${from}: the signature is missing or wrong`);
      return {
        status: 401,
        body: { message: 'the signature is missing or does not match the shared secret' },
      };
    }
    let changes: CaseChange[];
    try {
      changes = hook.parse(JSON.parse(rawBody));
    } catch (err) {
      return { status: 400, body: { message: `the webhook body cannot be read: ${(err as Error).message}` } };
    }
    try {
      const results = await this.#serial(async () => {
        const out: InboundResult[] = [];
        for (const c of changes) out.push(await this.#apply(c, 'webhook'));
        return out;
      });
      return {
        status: 200,
        body: { results: results.map((r) => ({ id: r.change.id, outcome: r.outcome, items: r.items })) },
      };
    } catch (err) {
      return { status: 503, body: { message: this.#scrub((err as Error).message) } };
    }
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#inbound.then(fn, fn);
    this.#inbound = run.catch(() => {});
    return run;
  }

  /** #carry, remembered for the status and counted. */
  async #apply(c: CaseChange, via: RecentInbound['via']): Promise<InboundResult> {
    const base = { at: Date.now(), id: c.id, caseId: c.caseId, kind: c.kind, author: c.author, via };
    let r: InboundResult;
    try {
      r = await this.#carry(c);
    } catch (err) {
      this.#remember({
        ...base,
        outcome: 'failed',
        ok: 0,
        failed: 0,
        error: this.#scrub((err as Error).message),
      });
      throw err;
    }
    this.#metrics?.inbound.inc({ connector: this.name, kind: c.kind, outcome: r.outcome });
    if (r.outcome !== 'seen' && r.outcome !== 'own')
      this.#remember({
        ...base,
        outcome: r.outcome,
        ok: r.items.filter((i) => i.ok).length,
        failed: r.items.filter((i) => !i.ok).length,
      });
    return r;
  }

  #remember(e: RecentInbound): void {
    this.#recent.unshift(e);
    this.#recent.length = Math.min(this.#recent.length, RECENT);
  }

  /** Carries one change to Darktrace; throws (so it is tried again) when the appliance could not take it. */
  async #carry(c: CaseChange): Promise<InboundResult> {
    const name = this.name;
    const cases = this.#store.cases;
    if (c.author === this.system.self) return { change: c, outcome: 'own', items: [] };
    if (await cases.events.has(name, c.id)) return { change: c, outcome: 'seen', items: [] };
    const links = await cases.links.byCase(name, c.caseId);
    if (!links.length) return { change: c, outcome: 'unlinked', items: [] };
    if (c.kind === 'comment' && !c.text?.trim()) {
      await cases.events.add(name, c.id);
      return { change: c, outcome: 'empty', items: [] };
    }
    const items: ItemResult[] = [];
    const byInstance = new Map<string, typeof links>();
    for (const l of links) {
      const instance = l.detectionKey.split('/')[0];
      byInstance.set(instance, [...(byInstance.get(instance) ?? []), l]);
    }
    const who = `case:${name}:${c.author}`;
    for (const [instance, ls] of byInstance) {
      const ids = (family: string) =>
        ls
          .filter((l) => l.detectionKey.split('/')[1] === family)
          .map((l) => l.detectionKey.split('/').slice(2).join('/'));
      const breaches = ids('model_breach').map(Number);
      const events = ids('ai_analyst');
      const run = async (command: string, raw: Record<string, unknown>) => {
        const r = await runOnInstance(this.#store, {
          instance,
          command: findCommand(command)!,
          raw,
          who,
          maxItems: this.#maxItems,
        });
        if (r.items) items.push(...r.items);
        else
          items.push({
            item: String(raw.eventId),
            ok: r.outcome === 'Successful',
            result: r.data,
            error: r.error,
          });
      };
      if (c.kind === 'comment') {
        const comment = `${c.author} in case ${c.caseId}: ${c.text!.trim()}`.slice(0, 4000);
        if (breaches.length) await run('add-comments', { breachIds: breaches, comment });
        for (const eventId of events)
          await run('post-comment-to-ai-analyst-incident-event', { eventId, comment });
      } else {
        const un = c.kind === 'reopened' ? 'un' : '';
        if (breaches.length) await run(`${un}acknowledge`, { breachIds: breaches });
        if (events.length) await run(`${un}acknowledge-ai-analyst-incident-event`, { eventIds: events });
      }
    }
    // The appliance unreachable or failing: try again later rather than lose the analyst's action.
    const transient = items.filter((i) => !i.ok && (i.error?.status === 0 || (i.error?.status ?? 0) >= 500));
    if (transient.length)
      throw new CaseError(
        `Darktrace did not take ${c.kind} from case ${c.caseId}: ${transient[0].error?.message}`,
        true,
      );
    if (c.kind !== 'comment')
      for (const l of links)
        await cases.links.setState(name, l.detectionKey, { acknowledged: c.kind === 'resolved' });
    await cases.events.add(name, c.id);
    const ok = items.filter((i) => i.ok).length;
    this.#log.info(
      `case[${name}]: ${c.kind} by ${c.author} in case ${c.caseId} → Darktrace: ${ok} of ${items.length} item(s) done`,
      { items: items.map((i) => ({ item: i.item, ok: i.ok, error: i.error?.message })) },
    );
    return { change: c, outcome: 'applied', items };
  }

  async status() {
    const s = await this.#store.cases.offsets.status(this.name);
    const offset = s?.seq ?? 0;
    return {
      name: this.name,
      type: this.config.type,
      per: this.config.per,
      config: publicCaseConfig(this.config),
      offset,
      lag: Math.max(0, (await this.#store.maxSeq()) - offset),
      cases: await this.#store.cases.links.count(this.name),
      links: await this.#store.cases.links.counts(this.name),
      onCaseGone: this.config.onCaseGone,
      /** Cases deleted or hidden in the case system (terminal: never retried). */
      goneCases: (await this.#store.cases.links.gone(this.name, 10)).map((l) => ({
        caseId: l.caseId,
        detectionKey: l.detectionKey,
        reason: l.goneReason,
        at: l.updatedAt,
      })),
      lastError: s?.lastError ?? null,
      lastErrorAt: s?.lastErrorAt ?? null,
      inbound: {
        cursor: (await this.#store.cases.cursors.get(this.name)) ?? null,
        lastPollAt: this.#lastPoll?.at ?? null,
        lastPollError: this.#lastPoll?.error ?? null,
        webhook: !!this.system.webhook,
        recent: [...this.#recent],
      },
    };
  }
}

/** Every connector of a service. */
export class CaseConnectors {
  readonly connectors: CaseConnector[];
  constructor(store: Store, configs: CaseConnectorConfig[], deps: CaseConnectorDeps) {
    const metrics = deps.registry && caseMetrics(deps.registry, store, () => configs.map((c) => c.name));
    this.connectors = configs.map((c) => new CaseConnector(store, c, { ...deps, metrics }));
  }
  get(name: string): CaseConnector | undefined {
    return this.connectors.find((c) => c.name === name);
  }
  start(): void {
    for (const c of this.connectors) c.start();
  }
  notify(): void {
    for (const c of this.connectors) c.notify();
  }
  async stop(): Promise<void> {
    await Promise.all(this.connectors.map((c) => c.stop()));
  }
  status() {
    return Promise.all(this.connectors.map((c) => c.status()));
  }
}
