// Worker threads that run compiled JavaScript in the package and TypeScript in a checkout. The built
// package (dist/) starts `<name>.js` directly: nothing is bundled or written at run time. From the
// sources (tests, benches, `tsx`), a Node 20 worker does not inherit the parent's tsx hooks, so a
// one-line bootstrap (tsx-worker.mjs) registers tsx inside the worker before importing `<name>.ts`;
// tsx is a dev dependency and is only ever loaded on that path.
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** Starts the worker body `<name>.js` (or `.ts` from the sources) beside the module at `moduleUrl`. */
export function startWorker(name: string, moduleUrl: string, options: WorkerOptions = {}): Worker {
  if (!moduleUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, moduleUrl), options);
  const boot = new URL('./tsx-worker.mjs', import.meta.url).href;
  const body = new URL(`./${name}.ts`, moduleUrl).href;
  const code = `import(${JSON.stringify(boot)}).then((b) => b.run(${JSON.stringify(body)}))`;
  return new Worker(code, { ...options, eval: true });
}
