// promptfoo (its Node API, `evaluate`) with its `openai:chat:<model>` and `openai:responses:<model>`
// providers pointed at the gateway by `apiBaseUrl`: the eval passes its assertions, and each output
// is the text of the one row its request was captured as.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type CapturedRow, type Gateway } from './gateway';

let gw: Gateway;
let configDir: string;
beforeAll(async () => {
  // promptfoo keeps its config and cache under PROMPTFOO_CONFIG_DIR; nothing may phone home.
  configDir = mkdtempSync(join(tmpdir(), 'study-promptfoo-'));
  Object.assign(process.env, {
    PROMPTFOO_CONFIG_DIR: configDir,
    PROMPTFOO_CACHE_ENABLED: 'false',
    PROMPTFOO_DISABLE_TELEMETRY: '1',
    PROMPTFOO_DISABLE_UPDATE: '1',
    PROMPTFOO_DISABLE_REMOTE_GENERATION: '1',
    PROMPTFOO_DISABLE_SHARING: '1',
  });
  gw = await startGateway();
});
afterAll(async () => {
  await gw?.close();
  rmSync(configDir, { recursive: true, force: true });
});

describe('promptfoo evaluate() through the gateway', () => {
  it('an eval over three providers: every assertion passes, and every output is the text of the one row captured for it', async () => {
    const { default: promptfoo } = await import('promptfoo');
    const provider = (id: string) => ({ id, config: { apiBaseUrl: gw.baseURL, apiKey: gw.apiKey } });
    const before = await gw.callCount();
    const run = await promptfoo.evaluate(
      {
        prompts: ['Name a colour like {{thing}}.'],
        providers: [provider('openai:chat:o3-mini'), provider('openai:chat:echo/echo-1'), provider('openai:responses:o4-mini')],
        tests: [
          { vars: { thing: 'the sky' }, assert: [{ type: 'icontains', value: 'Name a colour like the sky.' }] },
          { vars: { thing: 'grass' }, assert: [{ type: 'regex', value: '^(reply to|echo): Name a colour like grass\\.$' }] },
        ],
      },
      { maxConcurrency: 1, cache: false },
    );
    const { results, stats } = await run.toEvaluateSummary();
    expect(stats).toMatchObject({ successes: 6, failures: 0, errors: 0 });
    expect(results).toHaveLength(6);
    expect(await gw.callCount()).toBe(before + 6);

    const rows: Record<string, CapturedRow> = {};
    for (const result of results) {
      const output = result.response?.output;
      const requestId = result.response?.metadata?.http?.headers?.['x-study-request-id'];
      expect(requestId, `${result.provider.id}: x-study-request-id`).toEqual(expect.any(String));
      const captured = await gw.rowsOf(requestId!);
      expect(captured, `${result.provider.id}: rows for request ${requestId}`).toHaveLength(1);
      const row = captured[0]!;
      expect(row).toMatchObject({ status: 'success', response: { text: output } });
      expect(output).toMatch(new RegExp(`^(reply to|echo): Name a colour like ${result.vars.thing}\\.$`));
      rows[`${result.provider.id} ${result.vars.thing}`] = row;
    }
    expect(rows['openai:chat:o3-mini grass']).toMatchObject({ provider: 'openai', client_api: 'chat.completions', response: { text: 'reply to: Name a colour like grass.' } });
    expect(rows['openai:chat:echo/echo-1 grass']).toMatchObject({ provider: 'echo', client_api: 'chat.completions', response: { text: 'echo: Name a colour like grass.' } });
    expect(rows['openai:responses:o4-mini grass']).toMatchObject({ provider: 'echo', client_api: 'responses', response: { text: 'echo: Name a colour like grass.' } });
    // promptfoo knows o3-mini as a reasoning model (no temperature, no max_tokens); echo-1 it does not.
    expect(rows['openai:chat:o3-mini grass']!.request).not.toHaveProperty('temperature');
    expect(rows['openai:chat:echo/echo-1 grass']!.request).toMatchObject({ temperature: 0, max_tokens: expect.any(Number) });
    expect(gw.fake.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });

  it('headers in the provider config file the calls into a group with their metadata', async () => {
    const { default: promptfoo } = await import('promptfoo');
    const headers = { 'x-study-group': 'promptfoo-study', 'x-study-metadata': '{"condition":"C"}' };
    const run = await promptfoo.evaluate(
      { prompts: ['Name a colour.'], providers: [{ id: 'openai:chat:o4-mini', config: { apiBaseUrl: gw.baseURL, apiKey: gw.apiKey, headers } }], tests: [{ assert: [{ type: 'equals', value: 'echo: Name a colour.' }] }] },
      { maxConcurrency: 1, cache: false },
    );
    const { results, stats } = await run.toEvaluateSummary();
    expect(stats).toMatchObject({ successes: 1, failures: 0, errors: 0 });
    const result = results[0]!;
    const rows = await gw.rowsOf(result.response?.metadata?.http?.headers?.['x-study-request-id'] ?? 'missing');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ provider: 'echo', response: { text: result.response?.output }, metadata: { condition: 'C', group_id: expect.any(Number) } });
  });
});
