// The one Hono environment every (sub-)app shares, so `c.get(...)` is typed everywhere.
import type { RequestIdVariables } from 'hono/request-id';

export interface AppEnv {
  Variables: RequestIdVariables & {
    /** The signed-in session's id (its hash), set by access control; absent without a session. */
    studySession?: string;
  };
}
