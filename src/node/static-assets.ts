// Node: serves the stylesheet and vendored browser libraries straight from public/ and node_modules.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import { projectRoot } from './project-root';
import type { AppEnv } from '../app-env';

const root = (path: string) => join(projectRoot(), path);

export const STATIC_FILES: Record<string, { path: string; type: string }> = {
  'app.css': { path: 'public/app.css', type: 'text/css; charset=utf-8' },
  'htmx.min.js': { path: 'node_modules/htmx.org/dist/htmx.min.js', type: 'text/javascript; charset=utf-8' },
  'chart.umd.js': { path: 'node_modules/chart.js/dist/chart.umd.min.js', type: 'text/javascript; charset=utf-8' },
  'charts.js': { path: 'public/charts.js', type: 'text/javascript; charset=utf-8' },
  'favicon.svg': { path: 'public/favicon.svg', type: 'image/svg+xml' },
  'swagger-ui.css': { path: 'node_modules/swagger-ui-dist/swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { path: 'node_modules/swagger-ui-dist/swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
  'api-docs.js': { path: 'public/api-docs.js', type: 'text/javascript; charset=utf-8' },
  'labels.js': { path: 'public/labels.js', type: 'text/javascript; charset=utf-8' },
  'scorer-builder.js': { path: 'public/scorer-builder.js', type: 'text/javascript; charset=utf-8' },
};

export function nodeStaticAssets() {
  const cache = new Map<string, Promise<Buffer>>();
  return new Hono<AppEnv>().get('/:file', async (c) => {
    const name = c.req.param('file');
    // Own names only: /static/__proto__ or /static/constructor name no file.
    const file = Object.hasOwn(STATIC_FILES, name) ? STATIC_FILES[name] : undefined;
    if (!file) return c.notFound();
    if (!cache.has(file.path)) cache.set(file.path, readFile(root(file.path)));
    const body = await cache.get(file.path)!;
    return c.body(new Uint8Array(body), 200, { 'content-type': file.type, 'cache-control': 'public, max-age=3600' });
  });
}
