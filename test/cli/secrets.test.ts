// `dtc secrets rotate` while `dtc start` runs on the same data directory, and sink credentials kept
// out of every output: real processes, a real simulator, a real HTTP sink target, the raw database bytes.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.ts';
import { keyId } from '../../src/store/secrets.ts';
import { runDtc } from '../helpers/dtc.ts';

const PRIVATE = 'sim-private-3f9a7c1e';
const HOOK_PASSWORD = 'hookpass-9f2b6d';
const HOOK_TOKEN = 'hooktoken-41d8e0';

async function waitFor<T>(f: () => Promise<T | undefined>, what: string, ms = 40_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const bytesOf = (dir: string) =>
  ['dtc.sqlite', 'dtc.sqlite-wal']
    .map((f) => {
      try {
        return readFileSync(join(dir, f), 'latin1');
      } catch {
        return '';
      }
    })
    .join('');
const currentKeyId = (dir: string) =>
  keyId(Buffer.from(readFileSync(join(dir, 'secret.key'), 'utf8').trim(), 'hex'));

describe('dtc secrets with a running service', () => {
  it('rotates the key under dtc start: polls and commands go on, no old-key ciphertext and no sink credential is left', async () => {
    const sim = await startSimulator({
      publicToken: 'sim-public',
      privateToken: PRIVATE,
      seed: 3,
      history: { count: 40, days: 1 },
      ratePerMinute: 30,
    });
    // The sink target refuses everything and echoes what it got, credentials included.
    const hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end(`unavailable; you sent ${req.url} with ${req.headers.authorization} (${HOOK_PASSWORD})`);
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const hookPort = (hook.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'dtc-secrets-'));
    const add = await runDtc(
      [
        'instance',
        'add',
        '--data-dir',
        dir,
        '--name',
        'prod',
        '--url',
        sim.url,
        '--public-token',
        'sim-public',
      ],
      { DTC_PRIVATE_TOKEN: PRIVATE, DTC_SECRET_KEY: '' },
    );
    expect(add.code, add.err).toBe(0);
    // Poll every 2 s (the CLI's floor is 10 s; the store takes 1) so a poll after the rotation comes soon.
    const db = new Database(join(dir, 'dtc.sqlite'));
    db.prepare("UPDATE instances SET poll_interval_s = 2 WHERE name = 'prod'").run();
    db.close();
    const oldId = currentKeyId(dir);

    const sinkUrl = `http://hookuser:${HOOK_PASSWORD}@127.0.0.1:${hookPort}/hook?token=${HOOK_TOKEN}`;
    const child = spawn(
      'node',
      ['bin/dtc.js', 'start', '--port', '0', '--no-demo', '--data-dir', dir, '--sink', `json:${sinkUrl}`],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true', DTC_SECRET_KEY: '' } },
    );
    let log = '';
    child.stdout!.on('data', (d) => {
      log += d;
    });
    child.stderr!.on('data', (d) => {
      log += d;
    });
    try {
      const url = await waitFor(async () => /API:\s+(http:\/\/\S+)/.exec(log)?.[1], 'the API address');
      const apiKey = readFileSync(join(dir, 'admin-api-key'), 'utf8').trim();
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`${url}${path}`, {
          ...init,
          headers: { authorization: `Bearer ${apiKey}`, ...(init.headers as object) },
        });
      const prodStatus = async () => ((await (await api('/api/instances')).json()) as any[])[0].status;
      await waitFor(async () => ((await prodStatus()).lastSuccessAt ? true : undefined), 'a first poll');
      // The sink has failed at least once, with the target's echo in its error.
      const sinks = await waitFor(async () => {
        const s = (await (await api('/api/sinks')).json()) as any[];
        return s[0]?.lastError ? s : undefined;
      }, 'a sink error');

      // Rotate while the service runs.
      const rot = await runDtc(['secrets', 'rotate', '--data-dir', dir, '-o', 'json'], {
        DTC_SECRET_KEY: '',
      });
      expect(rot.code, rot.err).toBe(0);
      const rotated = JSON.parse(rot.out);
      const rotatedAt = Date.now();
      expect(rotated).toMatchObject({ from: { id: oldId }, reencrypted: 1, wrapped: false });
      expect(currentKeyId(dir)).toBe(rotated.to.id);
      for (const f of ['secret.key', 'secret.key.previous', 'dtc.sqlite', 'dtc.sqlite-wal'])
        expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);

      // A command decrypts the private token now (under the new key): it still signs correctly.
      const cmd = await api('/api/instances/prod/commands/get-status', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(cmd.status, await cmd.clone().text()).toBe(200);
      // And the poller goes on polling.
      await waitFor(async () => {
        const st = await prodStatus();
        return st.state === 'ok' && Date.parse(st.lastSuccessAt) > rotatedAt ? true : undefined;
      }, 'a poll after the rotation');
      // The instance's token, re-entered through the running service's store, is under the new key.
      const status = JSON.parse((await runDtc(['secrets', 'status', '--data-dir', dir, '-o', 'json'])).out);
      expect(status).toMatchObject({ oldKeyNeeded: false, canFinish: true, current: { id: rotated.to.id } });
      expect(status.secrets).toEqual([
        { kind: 'private_token', owner: 'prod', keyId: rotated.to.id, key: 'current' },
      ]);
      expect(bytesOf(dir)).not.toContain(`v2:${oldId}:`);

      const fin = await runDtc(['secrets', 'rotate', '--finish', '--data-dir', dir, '-o', 'table']);
      expect(fin.code, fin.err).toBe(0);
      expect(fin.out).toContain(`old keys deleted: ${join(dir, 'secret.key.previous')}`);
      const again = await api('/api/instances/prod/commands/get-status', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(again.status).toBe(200);

      // Sink credentials: nowhere in the API, the CLI, the log or the database files.
      const sinkList = await runDtc(['sink', 'list', '--data-dir', dir, '-o', 'json']);
      const deadLetters = await (await api('/api/sinks')).text();
      const outputs = {
        api: JSON.stringify(sinks) + deadLetters,
        cli: sinkList.out + sinkList.err,
        log,
        db: bytesOf(dir),
      };
      expect(sinks[0].url).toBe(`http://hookuser:redacted@127.0.0.1:${hookPort}/hook?token=redacted`);
      expect(sinks[0].lastError).toMatch(/503/);
      expect(JSON.parse(sinkList.out)[0].url).toBe(sinks[0].url);
      for (const [where, text] of Object.entries(outputs)) {
        expect(text, where).not.toContain(HOOK_PASSWORD);
        expect(text, where).not.toContain(HOOK_TOKEN);
        expect(text, where).not.toContain(Buffer.from(`hookuser:${HOOK_PASSWORD}`).toString('base64'));
        expect(text, where).not.toContain(PRIVATE);
      }
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      hook.close();
      await sim.close();
    }
    // After a clean stop (the WAL checkpointed into the file) the database still holds none of them.
    const after = bytesOf(dir);
    for (const s of [HOOK_PASSWORD, HOOK_TOKEN, PRIVATE, `v2:${oldId}:`]) expect(after).not.toContain(s);
  }, 120_000);

  it('says which variable or file to fix when a key is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dtc-secrets-'));
    const add = await runDtc(
      [
        'instance',
        'add',
        '--data-dir',
        dir,
        '--name',
        'prod',
        '--url',
        'https://dt.example',
        '--public-token',
        'p',
      ],
      { DTC_PRIVATE_TOKEN: PRIVATE, DTC_SECRET_KEY: '' },
    );
    expect(add.code, add.err).toBe(0);
    const bad = await runDtc(['secrets', 'rotate', '--data-dir', dir], {
      DTC_SECRET_KEY: '',
      DTC_NEW_SECRET_KEY: 'short',
    });
    expect(bad.code).toBe(1);
    expect(bad.err).toBe(
      'dtc: DTC_NEW_SECRET_KEY must be 64 hex characters or the base64 of 32 bytes (got 5 characters that are neither); generate one with `openssl rand -hex 32`\n',
    );
    const wrong = await runDtc(['secrets', 'rotate', '--data-dir', dir], { DTC_SECRET_KEY: 'c'.repeat(64) });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(
      /^dtc: the private token of instance prod was encrypted with key [0-9a-f]{16}, which this process does not have \(it has [0-9a-f]{16} \(DTC_SECRET_KEY\)\); set DTC_SECRET_KEY to that key, or put it in secret\.key\.previous in the data directory, or re-enter the token/,
    );
  });
});
