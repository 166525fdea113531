// The console (web/, built by `npm run build` into dist/console/) served at `/`: its pages answer
// index.html (the browser app routes itself), and /assets/* the built files. Everything is read into
// memory once at start (a few hundred KB) and gzipped once, so a request never touches the file system
// and no path from a URL is ever joined onto a directory. Nothing is fetched from anywhere else: the
// page's Content-Security-Policy allows only its own scripts, styles and API.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ApiError, ErrorBody } from '../errors.ts';

/** The browser app's own routes: each answers the same index.html. */
export const CONSOLE_PAGES = [
  '/',
  '/instances',
  '/detections',
  '/detections/*',
  '/incidents',
  '/commands',
  '/sinks',
  '/devices',
  '/cases',
  '/reports',
] as const;
/** Every console route: pages and built files, left out of the API's OpenAPI document. */
export const CONSOLE_ROUTES: readonly string[] = [...CONSOLE_PAGES, '/assets/*'];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  etag: string;
}

/** The built console: dist/console next to the compiled server, or from the sources, the repo's dist/. */
export function defaultConsoleDir(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  for (const dir of [join(here, '..', '..', 'console'), join(here, '..', '..', '..', 'dist', 'console')])
    if (existsSync(join(dir, 'index.html'))) return dir;
  return undefined;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const body = readFileSync(path);
        const type = TYPES[extname(name)] ?? 'application/octet-stream';
        const compressible = /text|json|svg/.test(type) && body.length > 512;
        assets.set(`/${relative(dir, path).split(sep).join('/')}`, {
          body,
          type,
          gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
          etag: `"${body.length.toString(16)}-${statSync(path).mtimeMs.toString(16)}"`,
        });
      }
    }
  };
  walk(dir);
  return assets;
}

/** The page's policy: its own scripts, styles, images and API only; no inline script, no framing. */
export function consoleCsp(tls: boolean): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(tls ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

export const consoleRoutes: FastifyPluginAsyncTypebox<{ dir?: string; tls: boolean }> = async (
  app,
  { dir, tls },
) => {
  const root = dir ?? defaultConsoleDir();
  const assets = root ? loadAssets(root) : new Map<string, Asset>();
  const csp = consoleCsp(tls);

  const send = (req: FastifyRequest, reply: FastifyReply, a: Asset, cache: string) => {
    reply.header('content-type', a.type).header('cache-control', cache).header('etag', a.etag);
    reply.header('vary', 'accept-encoding');
    if (req.headers['if-none-match'] === a.etag) return reply.status(304).send();
    if (a.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      reply.header('content-encoding', 'gzip');
      return reply.send(a.gzip);
    }
    return reply.send(a.body);
  };

  const page = async (req: FastifyRequest, reply: FastifyReply) => {
    const index = assets.get('/index.html');
    if (!index)
      throw new ApiError('not_found', 'the console is not built: run `npm run build` (it builds web/)');
    reply.header('content-security-policy', csp);
    return send(req, reply, index, 'no-cache');
  };
  const pageSchema = {
    hide: true,
    response: { 200: Type.String({ description: 'the console (HTML)' }), 304: Type.Null(), 404: ErrorBody },
  };
  for (const url of CONSOLE_PAGES) app.get(url, { config: { access: 'public' }, schema: pageSchema }, page);

  app.get(
    '/assets/*',
    {
      config: { access: 'public' },
      schema: {
        hide: true,
        response: { 200: Type.String({ description: 'a built file' }), 304: Type.Null(), 404: ErrorBody },
      },
    },
    async (req, reply) => {
      const path = `/assets/${(req.params as { '*': string })['*']}`;
      const a = assets.get(path);
      if (!a) throw new ApiError('not_found', `no console file ${path}`);
      // Vite names built files by their content hash: a name never changes meaning. The few files kept
      // under their own names (public/assets) are revalidated.
      const hashed = /-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(path);
      return send(req, reply, a, hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  );
};
