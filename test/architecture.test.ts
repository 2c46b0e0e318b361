// The layout's rules, checked on the import graph of src/ and views/ (production code, not tests):
// no import circles; no feature reaches into another feature's routes or pages; nothing below the
// wiring imports the wiring (app, deps, bootstrap, entry points); views never touch the database.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const SOURCE_DIRS = ['src', 'views'];
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\1/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [path] : [];
  });
}

const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));
const known = new Set(files);
const rel = (path: string) => relative(ROOT, path);

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  return [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')].find((candidate) => known.has(candidate));
}

/** Every production module and the production modules it imports (type-only imports included: they shape the layers too). */
const graph = new Map(
  files.map((file) => {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((match) => resolveImport(file, match[2]!)).filter((target): target is string => target !== undefined);
    return [file, [...new Set(targets)]] as const;
  }),
);

/** Strongly connected components of more than one module, or a module importing itself (Tarjan). */
function importCircles(): string[][] {
  let index = 0;
  const indexes = new Map<string, number>();
  const lowlinks = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (node: string) => {
    indexes.set(node, index);
    lowlinks.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexes.has(next)) {
        visit(next);
        lowlinks.set(node, Math.min(lowlinks.get(node)!, lowlinks.get(next)!));
      } else if (onStack.has(next)) {
        lowlinks.set(node, Math.min(lowlinks.get(node)!, indexes.get(next)!));
      }
    }
    if (lowlinks.get(node) === indexes.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(rel(member));
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) circles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexes.has(node)) visit(node);
  return circles;
}

const edges = () => [...graph].flatMap(([from, targets]) => targets.map((to) => ({ from: rel(from), to: rel(to) })));
const featureOf = (path: string) => path.split('/').slice(0, 2).join('/');
const isRoutes = (path: string) => /^src\/[^/]+\/(.*\/)?(routes|[a-z-]+-routes|pages|[a-z-]+-page)\.tsx?$/.test(path);
const WIRING = ['src/app.ts', 'src/deps.ts', 'src/bootstrap.ts', 'src/node.ts', 'src/worker.ts'];

describe('the layout (issue 23)', () => {
  it('has no import circles', () => {
    expect(importCircles()).toEqual([]);
  });

  it('has no feature importing another feature\'s routes or pages (a feature may use another\'s service, never its routes)', () => {
    const sideways = edges().filter(({ from, to }) => isRoutes(to) && featureOf(from) !== featureOf(to) && !WIRING.includes(from) && !from.startsWith('src/api/') && !from.startsWith('src/pages/'));
    expect(sideways).toEqual([]);
  });

  it('has no page importing an API route module, nor a route module a page (shared helpers live in the service layer)', () => {
    const isApiRoutes = (path: string) => /^src\/[^/]+\/(.*\/)?(routes|[a-z-]+-routes)\.ts$/.test(path);
    const isPage = (path: string) => /^src\/[^/]+\/(.*\/)?(pages|[a-z-]+-page)\.tsx$/.test(path);
    const crossed = edges().filter(({ from, to }) => (isPage(from) && isApiRoutes(to)) || (isApiRoutes(from) && isPage(to)));
    expect(crossed).toEqual([]);
  });

  it('has nothing below the wiring importing it (app, deps, bootstrap, the entry points)', () => {
    const upward = edges().filter(({ from, to }) => WIRING.includes(to) && !WIRING.includes(from) && to !== 'src/deps.ts');
    expect(upward).toEqual([]);
  });

  it('keeps views away from the database, and the database layer away from routes and views', () => {
    const viewsToDb = edges().filter(({ from, to }) => from.startsWith('views/') && (to.startsWith('src/db/') || /repository\.ts$/.test(to)));
    const dbUp = edges().filter(({ from, to }) => from.startsWith('src/db/') && (isRoutes(to) || to.startsWith('views/')));
    expect([...viewsToDb, ...dbUp]).toEqual([]);
  });

  it('keeps src/ to about ten loose files and no folder over about fifteen modules', () => {
    const loose = files.filter((file) => dirname(file) === join(ROOT, 'src')).map(rel);
    expect(loose.length, loose.join(', ')).toBeLessThanOrEqual(10);
    const perFolder = new Map<string, number>();
    for (const file of files) perFolder.set(rel(dirname(file)), (perFolder.get(rel(dirname(file))) ?? 0) + 1);
    const crowded = [...perFolder].filter(([, count]) => count > 16);
    expect(crowded).toEqual([]);
  });

  it('names no file under src/, views/ or test/ after batches (the concept is a study; benches keep their names)', () => {
    const paths = SOURCE_DIRS.concat('test').flatMap((dir) => readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' }).map((name) => `${dir}/${name}`))
      // The clients lane installs its packages under test/clients/node_modules: their files are not ours.
      .filter((path) => !path.split('/').includes('node_modules'));
    expect(paths.filter((path) => /batch/i.test(path.split('/').pop()!))).toEqual([]);
  });
});
