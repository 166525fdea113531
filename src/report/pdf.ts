// renderReportPdf: the report's HTML printed to PDF by the system's Chromium, headless (no new
// dependency). The page is written to a fresh temporary folder with Chromium's own profile, both
// removed afterwards whatever happens.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_ENV = 'DTC_CHROMIUM';
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export class ChromiumMissingError extends Error {
  constructor(tried: string[]) {
    super(
      `report: no Chromium to print the PDF with (tried ${tried.join(', ')}); install it (Debian: apt-get install chromium) or set ${CHROMIUM_ENV} to its path`,
    );
    this.name = 'ChromiumMissingError';
  }
}

const executable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The Chromium to print with: DTC_CHROMIUM when set (it must exist), else the usual paths. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const given = env[CHROMIUM_ENV];
  if (given) {
    if (executable(given)) return given;
    throw new ChromiumMissingError([`${CHROMIUM_ENV}=${given}`]);
  }
  const found = CANDIDATES.find(executable);
  if (!found) throw new ChromiumMissingError(CANDIDATES);
  return found;
}

export interface PdfOptions {
  chromium?: string;
  /** Give up after this long (ms); default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Prints a self-contained HTML page to a PDF (A4, as the page's @page rule says). */
export async function renderReportPdf(html: string, opts: PdfOptions = {}): Promise<Buffer> {
  const chromium = opts.chromium ?? findChromium(opts.env);
  const dir = mkdtempSync(join(tmpdir(), 'dtc-report-'));
  try {
    const page = join(dir, 'report.html');
    const out = join(dir, 'report.pdf');
    writeFileSync(page, html);
    const args = [
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      // This machine's network is closed: without these Chromium keeps trying to reach Google.
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-extensions',
      '--disable-dev-shm-usage',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${out}`,
      pathToFileURL(page).href,
    ];
    // Chromium refuses to run as root with its sandbox.
    if (process.getuid?.() === 0) args.unshift('--no-sandbox');
    await run(chromium, args, opts.timeoutMs ?? 60_000);
    let pdf: Buffer;
    try {
      pdf = readFileSync(out);
    } catch {
      throw new Error(`report: ${chromium} exited without writing the PDF`);
    }
    if (pdf.subarray(0, 5).toString() !== '%PDF-') throw new Error(`report: ${chromium} wrote no PDF`);
    return pdf;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 8192) stderr += b.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`report: ${cmd} did not finish printing within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`report: cannot start ${cmd}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `report: ${cmd} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
  });
}
