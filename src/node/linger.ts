// A refused request whose body is still arriving (a 413, a 400 on a broken upload) is answered with
// `connection: close`. Closing a socket with unread bytes in it sends a reset, which can reach the
// client before it has read the answer: it then sees EPIPE or ECONNRESET instead of the 413. So,
// like nginx's lingering close, the rest of the body is read and dropped after the answer — bounded
// in bytes and time — and the connection ends when the client has sent it all.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export const LINGER_BYTES = 64 * 1024 * 1024;
export const LINGER_MS = 2_000;

export function lingerOnUnreadBody(incoming: IncomingMessage, limits = { bytes: LINGER_BYTES, ms: LINGER_MS }): void {
  const socket = incoming.socket as Socket | null;
  if (!socket || socket.destroyed) return;
  // Whoever was reading the body (the web stream of the request) is gone: drop what still comes.
  incoming.removeAllListeners('data');
  incoming.on('data', () => {});
  incoming.resume();
  let bytes = 0;
  const stop = () => socket.destroy();
  const timer = setTimeout(stop, limits.ms);
  timer.unref();
  socket.on('data', (chunk: Buffer) => {
    if ((bytes += chunk.length) > limits.bytes) stop();
  });
  socket.once('close', () => clearTimeout(timer));
  // Node ends a `connection: close` answer with destroySoon(): a FIN, then a destroy once written,
  // with the body's rest unread. Only the FIN here: the client's own end, the bytes or the timer close it.
  (socket as Socket & { destroySoon(): void }).destroySoon = function (this: Socket) {
    if (this.writable) this.end();
  };
}
