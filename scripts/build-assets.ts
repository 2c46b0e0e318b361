// Copies the browser files the Node server serves at /static/* (src/static-assets.ts, the one list)
// into dist/assets/static/, the directory wrangler.toml's [assets] uploads as Workers static assets.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATIC_FILES } from '../src/node/static-assets';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ASSETS_DIR = join(root, 'dist', 'assets');

/** Idempotent (and safe to run twice at once): copies every listed file, removes ones no longer listed. */
export function buildAssets(): string[] {
  const target = join(ASSETS_DIR, 'static');
  mkdirSync(target, { recursive: true });
  const names = Object.keys(STATIC_FILES);
  // Copy beside, then rename: a wrangler reading the directory meanwhile never sees half a file.
  const staging = mkdtempSync(join(root, 'dist', '.assets-'));
  try {
    for (const name of names) {
      copyFileSync(join(root, STATIC_FILES[name]!.path), join(staging, name));
      renameSync(join(staging, name), join(target, name));
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  for (const name of readdirSync(target)) if (!names.includes(name)) rmSync(join(target, name), { force: true });
  return names;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = buildAssets();
  console.log(`static assets → ${ASSETS_DIR}/static: ${names.join(', ')}`);
}
