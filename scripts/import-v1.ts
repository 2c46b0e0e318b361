// `npm run import:v1 -- --from path/to/legacy.db [--sample 25]`: imports the earlier app's v1 SQLite
// database into the v2 database at DATABASE_URL, then prints the backfill validation report.
// Exit 0 when v1 and v2 agree; 1 when they disagree or the import failed (and was rolled back);
// 2 on a usage error or a v1 file that cannot be imported as it is — then nothing is written and the
// target is not even opened. Re-running adds nothing twice. The v1 file is only read, as bytes: the
// import works on a private copy of it (see openV1Copy).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrap } from '../src/bootstrap';
import type { AppDeps } from '../src/deps';
import { checkV1Source, describeProblem, importV1, LegacyImportError, openV1Copy, type V1Copy } from '../src/import-v1/import';
import { formatBackfillReport, validateBackfill } from '../src/import-v1/report';

const USAGE = 'usage: npm run import:v1 -- --from path/to/legacy.db [--sample N]   (target: DATABASE_URL, default file:./data/study.db)';

const firstLine = (error: unknown) => String((error as Error)?.message ?? error).split('\n')[0];

async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let values: { from?: string; sample?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { from: { type: 'string' }, sample: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`${firstLine(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const sampleSize = values.sample === undefined ? 25 : Number(values.sample);
  if (!values.from || !Number.isInteger(sampleSize) || sampleSize < 0) {
    console.error(USAGE);
    return 2;
  }
  const from = resolve(values.from);

  let source: V1Copy;
  try {
    source = await openV1Copy(from);
  } catch (error) {
    if (!(error instanceof LegacyImportError)) throw error;
    console.error(`cannot import: ${error.message}`);
    return 2;
  }
  // Ctrl-C or a kill: the temp copy goes; an open import transaction is simply never committed.
  const interrupted = (signal: NodeJS.Signals) => {
    source.close();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    const problems = await checkV1Source(source.client);
    if (problems.length) {
      console.error(`cannot import ${from}: ${problems.length} problem(s) found; nothing was written`);
      for (const problem of problems) console.error(`  ${describeProblem(problem)}`);
      return 2;
    }
    let deps: AppDeps;
    try {
      deps = await bootstrap(process.env, { log: (line) => process.stderr.write(`${line}\n`) });
    } catch (error) {
      console.error(`cannot open the target database (DATABASE_URL): ${firstLine(error)}`);
      return 2;
    }
    try {
      return await importAndReport(deps, source, from, sampleSize);
    } finally {
      deps.database.close();
    }
  } finally {
    process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
    source.close();
  }
}

async function importAndReport(deps: AppDeps, source: V1Copy, from: string, sampleSize: number): Promise<number> {
  console.log(`importing ${from} into ${deps.config.databaseUrl.startsWith('file:') ? deps.config.databaseUrl : '(remote libSQL)'}`);
  const target = { client: deps.database.client };
  let counts: Awaited<ReturnType<typeof importV1>>;
  try {
    counts = await importV1(target, source.client);
  } catch (error) {
    console.error(`import failed and was rolled back; nothing from this run was written: ${firstLine(error)}`);
    return 1;
  }
  // The imported calls into the search index and the analytics rollups now, not at the next start.
  await deps.derived.run();
  try {
    const report = await validateBackfill(target, source.client, { sampleSize });
    for (const line of formatBackfillReport(report, counts)) console.log(line);
    return report.ok ? 0 : 1;
  } catch (error) {
    console.error(`the import was committed, but the validation report failed: ${firstLine(error)}`);
    return 1;
  }
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`import:v1 failed: ${firstLine(error)}`);
  return 1;
});
