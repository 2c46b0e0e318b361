// WAL checkpoints happen in the checkpointer's thread: pages reach the database file without any
// of our connections checkpointing.
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCall } from '../../src/calls/repository';
import { localDatabasePath, WAL_AUTOCHECKPOINT_PAGES } from '../../src/db/client';
import { createTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';

describe('WAL checkpointer thread', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('leaves checkpoints inside a commit until the WAL holds WAL_AUTOCHECKPOINT_PAGES (the app\'s connection)', async () => {
    expect(WAL_AUTOCHECKPOINT_PAGES).toBeGreaterThan(1_000);
    const client = await t.deps.database.client.execute('PRAGMA wal_autocheckpoint');
    expect(Number(client.rows[0]![0])).toBe(WAL_AUTOCHECKPOINT_PAGES);
  });

  it('copies committed pages into the database file by itself', async () => {
    // Our connection never checkpoints now, so only the thread can move pages out of the WAL.
    await t.deps.database.client.execute('PRAGMA wal_autocheckpoint = 0');
    const path = localDatabasePath(t.deps.config.databaseUrl)!;
    const before = statSync(path).size;
    for (let i = 0; i < 200; i++) {
      await insertCall(t.deps.database.db, {
        provider: 'echo',
        model: 'echo-1',
        modality: 'chat',
        status: 'success',
        requestJson: { messages: [{ role: 'user', content: `checkpoint row ${i} ${'x'.repeat(2_000)}` }] },
        responseJson: { text: `answer ${i}` },
        requestHash: `ckpt-${i}`,
        metadataJson: {},
      });
    }
    const grown = await waitFor(async () => statSync(path).size - before, (growth) => growth > 200 * 2_000, 5_000);
    expect(grown).toBeGreaterThan(200 * 2_000);
  });
});
