import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bufferedLineWriter, FLUSH_AFTER_MS } from './buffered-lines';

const later = () => new Promise((resolve) => setTimeout(resolve, FLUSH_AFTER_MS + 30));

describe('bufferedLineWriter', () => {
  it('writes the lines made close together shortly after, in order, in one write', async () => {
    const writes: string[] = [];
    const write = bufferedLineWriter({ write: (chunk) => writes.push(chunk) });
    write('{"event":"a"}');
    write('{"event":"b"}');
    expect(writes).toEqual([]);
    await later();
    expect(writes).toEqual(['{"event":"a"}\n{"event":"b"}\n']);
    write('{"event":"c"}');
    await later();
    expect(writes).toEqual(['{"event":"a"}\n{"event":"b"}\n', '{"event":"c"}\n']);
  });

  it('writes at once past 64 KiB of waiting lines', () => {
    const writes: string[] = [];
    const write = bufferedLineWriter({ write: (chunk) => writes.push(chunk) });
    const long = 'x'.repeat(30_000);
    write(long);
    write(long);
    expect(writes).toHaveLength(0);
    write(long);
    expect(writes).toEqual([`${long}\n${long}\n${long}\n`]);
  });

  it('writes what is still waiting when the process exits', () => {
    const module = fileURLToPath(new URL('./buffered-lines.ts', import.meta.url));
    const script = `import { bufferedLineWriter } from ${JSON.stringify(module)}; const write = bufferedLineWriter(); write('{"event":"last"}'); process.exit(3);`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(3);
    expect(run.stdout).toBe('{"event":"last"}\n');
  });
});
