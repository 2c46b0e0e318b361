// Compiles the Node server (and the two scripts operators run beside it) to plain JavaScript in
// dist/server/, so `npm start` and the Docker image run `node` alone — no TypeScript compiler and no
// esbuild process at run time. npm runs this before `npm start`. Plain JavaScript itself, so it needs
// nothing but node and esbuild. Each file is written beside its target and renamed into place: a
// server starting while another build runs never reads half a file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = { node: 'src/node.ts', 'import-v1': 'scripts/import-v1.ts', migrate: 'scripts/migrate.ts' };

const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(entries).map(([name, path]) => [name, join(root, path)])),
  outdir: join(root, 'dist/server'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Dependencies stay in node_modules (native libsql among them); only our own code is bundled.
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
});
for (const file of result.outputFiles) {
  mkdirSync(dirname(file.path), { recursive: true });
  const staging = `${file.path}.${process.pid}.tmp`;
  writeFileSync(staging, file.contents);
  renameSync(staging, file.path);
}
if (process.argv.includes('--verbose')) console.log(result.outputFiles.map((f) => relative(root, f.path)).join('\n'));
