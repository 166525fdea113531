// The work behind `dtc report` (declared in ../report.ts).
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { produceReport, type ReportFormat, resolvePeriod } from '../../report/index.ts';
import { withStore } from '../store.ts';

export interface ReportFlags {
  dataDir: string;
  from?: string;
  to?: string;
  instance?: string[];
  format: ReportFormat;
  out?: string;
  title?: string;
}

export async function report(f: ReportFlags): Promise<void> {
  const { from, to } = resolvePeriod(f.from, f.to);
  if (!f.out && f.format === 'pdf' && process.stdout.isTTY)
    throw new Error('a PDF is not for a terminal: give --out <file> or redirect stdout');
  const out = await withStore(f.dataDir, (store) =>
    produceReport(store, { from, to, instances: f.instance, format: f.format, title: f.title }),
  );
  if (!f.out) {
    process.stdout.write(out.body);
    return;
  }
  const tmp = `${f.out}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, out.body);
    renameSync(tmp, f.out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  const span = `${new Date(from).toISOString()} to ${new Date(to).toISOString()}`;
  process.stderr.write(`report (${span}) written to ${f.out}: ${out.body.length} bytes\n`);
}
