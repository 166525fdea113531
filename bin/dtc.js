#!/usr/bin/env node
// The `dtc` command. Sources are TypeScript run through tsx, so `npx dtc` works from a fresh clone
// with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
