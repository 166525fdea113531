// The work behind `dtc case …` (declared in ../case.ts), loaded only when one of them runs.
import { caseSystemModule } from '../../cases/registry.ts';
import { type CaseConnectorConfig, publicCaseConfig, secretValues } from '../../cases/spec.ts';
import { loadConfigFile } from '../../service/config.ts';
import { scrubSecrets } from '../../util/redact.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';
import { withStore } from '../store.ts';

export interface CaseFlags extends OutputFlags {
  config: string;
  dataDir: string;
}

const declared = (f: CaseFlags) => loadConfigFile(f.config).cases as CaseConnectorConfig[];

export async function list(f: CaseFlags): Promise<void> {
  await printData(
    declared(f).map((c) => publicCaseConfig(c)),
    outputFormat(f),
    { empty: `${f.config} declares no case connectors (its cases: section)` },
  );
}

export async function status(f: CaseFlags): Promise<void> {
  const connectors = declared(f);
  const rows = await withStore(f.dataDir, (store) =>
    Promise.all(
      connectors.map(async (c) => {
        const o = await store.cases.offsets.status(c.name);
        return {
          name: c.name,
          type: c.type,
          per: c.per,
          offset: o?.seq ?? 0,
          lag: Math.max(0, (await store.maxSeq()) - (o?.seq ?? 0)),
          cases: await store.cases.links.count(c.name),
          // Deleted or hidden in the case system: terminal, never retried (onCaseGone says what follows).
          goneCases: (await store.cases.links.counts(c.name)).gone,
          inboundCursor: (await store.cases.cursors.get(c.name)) ?? null,
          lastError: o?.lastError ?? null,
          lastErrorAt: o?.lastErrorAt ? new Date(o.lastErrorAt).toISOString() : null,
        };
      }),
    ),
  );
  await printData(rows, outputFormat(f), {
    empty: `${f.config} declares no case connectors (its cases: section)`,
  });
}

export async function test(name: string, f: CaseFlags): Promise<void> {
  const all = declared(f);
  const c = all.find((x) => x.name === name);
  if (!c)
    throw new Error(
      `no case connector named "${name}" in ${f.config} (declared: ${all.map((x) => x.name).join(', ') || 'none'})`,
    );
  try {
    const said = await caseSystemModule(c.type).create(c, { name: c.name }).test();
    process.stdout.write(`${said}\n`);
  } catch (err) {
    // A case system may echo the credentials it was given: they never reach the terminal.
    throw new Error(scrubSecrets((err as Error).message, secretValues(c)));
  }
}
