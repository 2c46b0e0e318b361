// Node only: the directory holding the project's package.json, found from wherever this code runs —
// src/ under tsx, or the bundle in dist/server/ under plain node — so drizzle/, public/ and
// node_modules/ are found the same way from both.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function projectRoot(): string {
  if (found) return found;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'drizzle'))) return (found = dir);
    if (dirname(dir) === dir) throw new Error(`no project root (package.json beside drizzle/) above ${fileURLToPath(import.meta.url)}`);
  }
}
