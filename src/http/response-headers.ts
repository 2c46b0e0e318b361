// Headers added to an answer after its handler made it.
import type { Context } from 'hono';

/**
 * Sets a header on the answer in place. hono's c.header() after the handler rebuilds the response
 * around its body, which on Node turns the server's lightweight answer into a web Response with a
 * body stream, costing more than the rest of the middleware chain; a response whose headers are
 * immutable (one relayed as fetched) is still rebuilt that way.
 */
export function setAnswerHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}
