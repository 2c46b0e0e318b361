// The one Hono environment every (sub-)app shares, so `c.get(...)` is typed everywhere.
import type { RequestIdVariables } from 'hono/request-id';

export interface AppEnv {
  Variables: RequestIdVariables;
}
