// Node's HTTP server under clients that trickle: a request that takes longer than REQUEST_TIMEOUT_MS is
// cut off (Node's default would wait 300 s), and one address holds at most MAX_CONNECTIONS_PER_ADDRESS
// connections, so trickling clients cannot take the server's connections away from everyone.
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerProcess } from '../support/server';

const CAP = 20;

/** A connection that declares a big body and sends it a byte every 200 ms; resolves with what the server sent when it closes. */
function trickle(port: number): { socket: Socket; closed: Promise<{ afterMs: number; reply: string }> } {
  const socket = connect(port, '127.0.0.1');
  const started = Date.now();
  let reply = '';
  socket.on('data', (d) => (reply += String(d)));
  socket.on('error', () => undefined);
  socket.on('connect', () => {
    socket.write('POST /api/v1/groups HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{');
  });
  const timer = setInterval(() => socket.writable && socket.write(' '), 200);
  const closed = new Promise<{ afterMs: number; reply: string }>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ afterMs: Date.now() - started, reply });
    }),
  );
  return { socket, closed };
}

describe('server timeouts and connection cap (the real server)', () => {
  let dir: string;
  let server: ServerProcess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'study-limits-'));
    server = await startServer({
      DATABASE_URL: `file:${join(dir, 'study.db')}`,
      REQUEST_TIMEOUT_MS: '1500',
      HEADERS_TIMEOUT_MS: '1500',
      MAX_CONNECTIONS_PER_ADDRESS: String(CAP),
    });
  });
  afterAll(async () => {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cuts trickling requests off after REQUEST_TIMEOUT_MS and refuses connections past the cap, then serves normally', async () => {
    const port = Number(new URL(server.base).port);
    // Five more than the cap (the test's own keep-alive connection to the server may count as one).
    const connections = Array.from({ length: CAP + 5 }, () => trickle(port));
    const ends = await Promise.all(connections.map((c) => c.closed));
    const refused = ends.filter((end) => end.reply === '');
    const cutOff = ends.filter((end) => end.reply.startsWith('HTTP/1.1 408'));
    // Past the cap, connections from this address are closed at once, unanswered: before any of the
    // accepted ones is cut off.
    expect(refused.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...refused.map((end) => end.afterMs))).toBeLessThan(Math.min(...ends.filter((e) => e.reply !== '').map((e) => e.afterMs)));
    // The others are answered 408 (which Node sends only when the request timeout fires; its default
    // is 300 s) and closed.
    expect(cutOff.length).toBe(ends.length - refused.length);
    expect(cutOff.length).toBeLessThanOrEqual(CAP);
    // Their connections are free again: the server answers as usual.
    expect((await fetch(`${server.base}/api/v1/health`)).status).toBe(200);
    expect(server.output.join('')).toContain('"connection_refused"');
  }, 30_000);
});
