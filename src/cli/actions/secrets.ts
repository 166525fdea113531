// The work behind `dtc secrets …` (declared in ../secrets.ts), loaded only when one of them runs.
// Prints key ids and where keys come from, never a key or a secret.
import { finishRotation, rotateSecretKey, secretsStatus } from '../../store/rotate.ts';
import { type OutputFlags, outputFormat, printData } from '../output.ts';
import { withStore } from '../store.ts';

export interface SecretsFlags extends OutputFlags {
  dataDir: string;
}

export interface RotateFlags extends SecretsFlags {
  newKeyFile?: string;
  finish?: boolean;
}

export async function status(f: SecretsFlags): Promise<void> {
  const st = await withStore(f.dataDir, (store) => secretsStatus(store, f));
  const format = outputFormat(f);
  if (format !== 'table') return printData(st, format);
  const out = process.stdout;
  out.write(`current key: ${st.current.id} (${st.current.source})\n`);
  for (const k of st.keys.filter((k) => !k.current))
    out.write(`older key:   ${k.id} (${k.source}), used by ${k.secrets}\n`);
  out.write('\n');
  await printData(
    st.secrets.map((s) => ({
      secret: s.kind,
      instance: s.owner,
      keyId: s.keyId ?? '(none: v1)',
      key: s.key,
    })),
    format,
    { empty: 'no stored secrets' },
  );
  out.write(`\n${st.oldKeyNeeded ? 'old key still needed' : 'old key not needed'}: ${st.advice}\n`);
}

export async function rotate(f: RotateFlags): Promise<void> {
  const format = outputFormat(f);
  if (f.finish) {
    const r = await withStore(f.dataDir, (store) => finishRotation(store, f));
    if (format !== 'table') return printData(r, format);
    process.stdout.write(
      r.removed.length || r.wrappedDropped
        ? `old keys deleted: ${[...r.removed, ...(r.wrappedDropped ? [`${r.wrappedDropped} wrapped key(s) in the store`] : [])].join(', ')}\n`
        : 'no old key was kept; nothing to delete\n',
    );
    return;
  }
  const r = await withStore(f.dataDir, (store) => rotateSecretKey(store, f));
  if (format !== 'table') return printData(r, format);
  process.stdout.write(
    `re-encrypted ${r.reencrypted} secret(s): key ${r.from.id} → ${r.to.id} (${r.to.source})\n` +
      (r.wrapped
        ? `the new key is kept in the store, wrapped under the old one, for services still running with the old DTC_SECRET_KEY: restart them with DTC_SECRET_KEY set to the new key, then run \`dtc secrets rotate --finish\`\n`
        : `the old key is kept in ${r.wrote[0]} until \`dtc secrets rotate --finish\`\n`) +
      (r.checkpointed
        ? ''
        : 'note: a reader held the database; old page images leave the -wal at the next checkpoint\n'),
  );
}
