// `npm run import:v1 -- --from path/to/legacy.db [--sample 25]`: imports the earlier app's v1 SQLite
// database into the v2 database at DATABASE_URL (created and migrated if needed), then prints the
// backfill validation report. Exit code 0 when v1 and v2 agree, 1 when anything disagrees, 2 on a
// usage error. Re-running it adds nothing twice. The v1 file is only read.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '@libsql/client';
import { bootstrap } from '../src/bootstrap';
import { importV1, LegacyImportError } from '../src/services/import-v1';
import { formatBackfillReport, validateBackfill } from '../src/services/import-v1-report';

const USAGE = 'usage: npm run import:v1 -- --from path/to/legacy.db [--sample N]   (target: DATABASE_URL, default file:./data/study.db)';

async function main(): Promise<number> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let values: { from?: string; sample?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ options: { from: { type: 'string' }, sample: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
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
  // libSQL would create a missing file: check first, so a typo never leaves an empty database behind.
  if (!existsSync(from)) {
    console.error(`no such file: ${from}`);
    return 2;
  }
  const legacy = createClient({ url: `file:${from}` });
  const deps = await bootstrap(process.env, { log: (line) => process.stderr.write(`${line}\n`) });
  try {
    console.log(`importing ${from} into ${deps.config.databaseUrl.startsWith('file:') ? deps.config.databaseUrl : '(remote libSQL)'}`);
    const target = { client: deps.database.client };
    const counts = await importV1(target, legacy);
    const report = await validateBackfill(target, legacy, { sampleSize });
    for (const line of formatBackfillReport(report, counts)) console.log(line);
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof LegacyImportError) {
      console.error(`cannot import: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    legacy.close();
    deps.database.close();
  }
}

process.exitCode = await main();
