// The console's build: web/ → dist/console/ (served by `dtc start` at /). No plugin: Vite's esbuild
// compiles TSX with React's automatic runtime; only Fast Refresh in `vite dev` is given up for that.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  esbuild: { jsx: 'automatic' },
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // A polyfill for a feature every supported browser has: not worth its bytes.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    sourcemap: false,
    rollupOptions: {
      // TanStack Query marks its modules "use client" (for React Server Components): meaningless here.
      onwarn(w, warn) {
        if (w.code !== 'MODULE_LEVEL_DIRECTIVE') warn(w);
      },
    },
  },
  // `npx vite web` for development: the API from a running `dtc start` on the default port.
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
});
