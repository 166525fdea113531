// Replays one saved normaliser culprit: npx tsx bench/fuzz/replay.ts <file.json>
import { readFileSync } from 'node:fs';
import { normalize, render } from '../../src/normalize/index.ts';

const saved = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { input, format, opts } = saved.input;
const d = normalize(input, opts);
process.stdout.write(`${render(d, format)}\n`);
