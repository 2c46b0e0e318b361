// Node's HTTP server, bounded: a client that sends its headers or body a byte at a time is cut off
// (Node's defaults allow 300 s per request), and no one address holds more than a set number of
// connections, so a handful of trickling clients cannot take every connection the server has.
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { ServerTimeouts } from '../config';

export function serverOptions(limits: ServerTimeouts): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node enforces the two timeouts above only when it checks, every 30 s by default.
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 2))),
  };
}

/** Closes a new connection at once when its address already holds `maxConnectionsPerAddress`. */
export function capConnectionsPerAddress(server: Server, limits: ServerTimeouts, onRefused: (address: string) => void) {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= limits.maxConnectionsPerAddress) {
      onRefused(address);
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
