// The runner reads a study's tasks a page ahead of need (issue 24: the first page holds only what the
// workers start with). A page read ahead that fails with nobody waiting for it — the database closed
// under a run, as at shutdown — must not surface as an unhandled rejection (it crashes a Node process
// run with --unhandled-rejections=throw, the default).
import { afterEach, describe, expect, it } from 'vitest';
import { serviceContext } from '../../src/deps';
import { startStudy } from '../../src/studies/service';
import { createTestApp, type TestApp } from '../support/app';

describe('task pages read ahead of need', () => {
  let t: TestApp | undefined;
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  afterEach(() => {
    process.off('unhandledRejection', record);
  });

  it('leaves no unhandled rejection when the database closes under a running study', async () => {
    process.on('unhandledRejection', record);
    for (let round = 0; round < 5; round++) {
      t = await createTestApp();
      const ctx = serviceContext(t.deps);
      // Concurrency 1: the first page is one task, and the next page is read ahead at once.
      await startStudy(ctx, { items: Array.from({ length: 50 }, (_, i) => ({ prompt: `q${i}` })), targets: [{ provider: 'echo' }], samples: 1, concurrency: 1 } as never);
      t.deps.database.client.close();
      await new Promise((resolve) => setTimeout(resolve, 30));
      t.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled.map(String)).toEqual([]);
  });
});
