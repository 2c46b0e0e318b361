// Behind a reverse proxy every client shares the proxy's address: TRUST_PROXY names the proxies whose
// X-Forwarded-For is believed, so sign-in throttling counts each client, while a sender that is not a
// trusted proxy cannot talk its way out of the throttle with a header of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { clientAddressBehind } from '../../src/http/client-address';
import { createTestApp, type TestApp } from '../support/app';

const TOKEN = 'proxy-test-access-token-2718281828';

describe('the client address behind proxies', () => {
  it('is the sender itself unless the sender is a trusted proxy', () => {
    expect(clientAddressBehind([])('198.51.100.7', '203.0.113.1')).toBe('198.51.100.7');
    expect(clientAddressBehind(['10.0.0.0/8'])('198.51.100.7', '203.0.113.1')).toBe('198.51.100.7');
  });

  it('is the right-most forwarded address no trusted proxy holds; what the client wrote further left is ignored', () => {
    const behind = clientAddressBehind(['10.0.0.0/8', '192.0.2.10', 'fd00::/8']);
    expect(behind('10.1.2.3', '203.0.113.1')).toBe('203.0.113.1');
    expect(behind('10.1.2.3', '6.6.6.6, 203.0.113.1, 192.0.2.10')).toBe('203.0.113.1');
    expect(behind('fd00::1', '2001:db8::5')).toBe('2001:db8::5');
    // An IPv4 peer on a dual-stack socket, and a forwarded IPv4-mapped address, are IPv4.
    expect(behind('::ffff:10.0.0.9', '::ffff:203.0.113.4')).toBe('203.0.113.4');
    // Only proxies in the chain: the furthest one.
    expect(behind('10.0.0.1', '10.0.0.2')).toBe('10.0.0.2');
    expect(behind('10.0.0.1', undefined)).toBe('10.0.0.1');
    // What is not an address stops the walk and is the client as written (cut short).
    expect(behind('10.0.0.1', `1.2.3.4, ${'x'.repeat(500)}`)).toBe('x'.repeat(64));
  });

  it('is configured by TRUST_PROXY, a list checked at start naming the bad entry', () => {
    expect(loadConfig({}).exposure.trustedProxies).toEqual([]);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).exposure.trustedProxies).toEqual(['10.0.0.0/8', '::1']);
    for (const bad of ['10', 'proxy.local', '10.0.0.0/33', '10.0.0.0/8/1', 'fd00::/129', '0x7f.1']) {
      expect(() => loadConfig({ TRUST_PROXY: `127.0.0.1,${bad}` }), bad).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: `127.0.0.1,${bad}` }), bad).toThrow(`TRUST_PROXY: "${bad}"`);
    }
  });
});

// app.request has no socket: the sender is CF-Connecting-IP, as on Workers (Node's is tested in server-process.test.ts).
describe('sign-in throttling behind a trusted proxy (Workers: the sender is CF-Connecting-IP)', () => {
  const PROXY = '198.51.100.20';
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ STUDY_ACCESS_TOKEN: TOKEN, AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: `${PROXY}/32` });
  });
  afterAll(() => t.close());

  const bearer = (token: string, sender: string, forwardedFor?: string) =>
    t.app.request('http://localhost/api/v1/calls', {
      headers: { authorization: `Bearer ${token}`, 'cf-connecting-ip': sender, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    });

  it('throttles two clients of the proxy separately', async () => {
    for (let i = 0; i < 3; i++) expect((await bearer('wrong-token', PROXY, '203.0.113.1')).status).toBe(401);
    expect((await bearer(TOKEN, PROXY, '203.0.113.1')).status).toBe(429);
    expect((await bearer(TOKEN, PROXY, '203.0.113.2')).status).toBe(200);
    // A client writing a made-up address in front of the one the proxy added is still itself.
    expect((await bearer(TOKEN, PROXY, '203.0.113.2, 203.0.113.1')).status).toBe(429);
  });

  it('ignores X-Forwarded-For from a sender that is not a trusted proxy', async () => {
    for (let i = 0; i < 3; i++) expect((await bearer('wrong-token', '192.0.2.99', `203.0.113.${10 + i}`)).status).toBe(401);
    expect((await bearer(TOKEN, '192.0.2.99', '203.0.113.50')).status).toBe(429);
  });
});
