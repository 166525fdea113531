// Real certificates for TLS tests, made with the openssl command line: a CA, a server certificate it
// signs for 127.0.0.1/localhost, one for another host name, one self-signed, and one that has expired.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsMaterial {
  dir: string;
  caCert: string;
  caFile: string;
  /** Signed by the CA, valid for 127.0.0.1 and localhost. */
  good: { key: string; cert: string };
  /** Signed by the CA, valid only for other.example.test. */
  wrongHost: { key: string; cert: string };
  /** Self-signed, for 127.0.0.1. */
  selfSigned: { key: string; cert: string };
  /** Signed by the CA for 127.0.0.1, validity ended in 2020. */
  expired: { key: string; cert: string };
}

const ssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(join(tmpdir(), 'dtc-tls-'));
  ssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=dtc test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const leaf = (name: string, san: string) => {
    ssl(dir, [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    ]);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    ssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]);
    return {
      key: readFileSync(join(dir, `${name}.key`), 'utf8'),
      cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
    };
  };
  const good = leaf('good', 'IP:127.0.0.1,DNS:localhost');
  const wrongHost = leaf('other', 'DNS:other.example.test');
  ssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'self.key',
    '-out',
    'self.crt',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  const selfSigned = {
    key: readFileSync(join(dir, 'self.key'), 'utf8'),
    cert: readFileSync(join(dir, 'self.crt'), 'utf8'),
  };
  const expired = expiredLeaf(dir);
  const caCert = readFileSync(join(dir, 'ca.crt'), 'utf8');
  return { dir, caCert, caFile: join(dir, 'ca.crt'), good, wrongHost, selfSigned, expired };
}

// `openssl ca` is the one openssl 3.0 tool that takes explicit start and end dates.
function expiredLeaf(dir: string) {
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '1000\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    [
      '[ca]',
      'default_ca=dtc',
      '[dtc]',
      `dir=${dir}`,
      'database=$dir/index.txt',
      'serial=$dir/serial',
      'new_certs_dir=$dir',
      'default_md=sha256',
      'policy=anything',
      'copy_extensions=copy',
      'unique_subject=no',
      '[anything]',
      'commonName=supplied',
      '',
    ].join('\n'),
  );
  ssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'expired.key',
    '-out',
    'expired.csr',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  ssl(dir, [
    'ca',
    '-batch',
    '-config',
    'ca.cnf',
    '-cert',
    'ca.crt',
    '-keyfile',
    'ca.key',
    '-in',
    'expired.csr',
    '-out',
    'expired.crt',
    '-startdate',
    '20190101000000Z',
    '-enddate',
    '20200101000000Z',
    '-notext',
  ]);
  return {
    key: readFileSync(join(dir, 'expired.key'), 'utf8'),
    cert: readFileSync(join(dir, 'expired.crt'), 'utf8'),
  };
}
