// Sink declarations in the config file, edited in place: the `yaml` Document API keeps the file's
// comments, order and style, and the whole file is validated against the composed config schema before
// anything is written (then written to a temporary file and renamed over, so a crash leaves the old one).
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import { validateConfig } from '../../service/config.ts';

export interface SinkDeclaration {
  name: string;
  format: string;
  url: string;
  options?: Record<string, unknown>;
}

function load(file: string): Document {
  if (!existsSync(file)) return new Document({});
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length) throw new Error(`${file} is not valid YAML or JSON: ${doc.errors[0].message}`);
  if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  if (!isMap(doc.contents)) throw new Error(`${file}: expected a mapping at the top level`);
  return doc;
}

/** The index of the sink named `name` in the document's `sinks:`, or -1. */
function indexOf(doc: Document, name: string): number {
  const sinks = doc.get('sinks');
  if (!isSeq(sinks)) return -1;
  return sinks.items.findIndex((s) => isMap(s) && s.get('name') === name);
}

/**
 * Checks the document as the service would load it. `${NAME}` references stand for values the service's
 * environment gives at start, so one unset here is not an error of this file.
 */
function validate(doc: Document, file: string): void {
  const env = new Proxy(process.env, { get: (e, k: string) => e[k] ?? 'set-at-start' });
  validateConfig(doc.toJS(), env, file);
}

function write(doc: Document, file: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o640;
  // A JSON file stays JSON (it has no comments to keep); YAML keeps its comments and layout.
  const text = /\.json$/i.test(file) ? `${JSON.stringify(doc.toJS(), null, 2)}\n` : doc.toString();
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

/** Appends a sink to the file's `sinks:` (creating the file or the list), validated first. */
export function declareSink(file: string, sink: SinkDeclaration): void {
  const doc = load(file);
  if (indexOf(doc, sink.name) >= 0)
    throw new Error(
      `a sink named "${sink.name}" is already declared in ${file} (dtc sink remove ${sink.name} --config ${file} drops it)`,
    );
  if (!isSeq(doc.get('sinks'))) doc.set('sinks', doc.createNode([]));
  doc.addIn(['sinks'], doc.createNode(sink));
  validate(doc, file);
  write(doc, file);
}

/** Drops a sink from the file's `sinks:`; false when the file does not declare it. */
export function undeclareSink(file: string, name: string): boolean {
  if (!existsSync(file)) return false;
  const doc = load(file);
  const i = indexOf(doc, name);
  if (i < 0) return false;
  doc.deleteIn(['sinks', i]);
  validate(doc, file);
  write(doc, file);
  return true;
}
