// createApp(deps): the whole Hono app, the same on Node and Workers. No I/O at import time.
import type { AppDeps } from './deps';
import { apiRoutes } from './api/index';
import { gatewayRoutes } from './gateway/index';
import { createAppShell, type AppOptions } from './http/app-shell';
import { loginRoutes } from './http/login';
import { pageRoutes } from './pages';

export { MAX_BODY_BYTES, MAX_STUDY_BODY_BYTES, type AppOptions } from './http/app-shell';

export function createApp(deps: AppDeps, options: AppOptions = {}) {
  return createAppShell(deps, options, (app, gate) => {
    app.route('/', apiRoutes(deps).api);
    app.route('/v1', gatewayRoutes(deps));
    if (options.staticAssets) app.route('/static', options.staticAssets);
    // Browsers ask for it on every page that names no icon (JSON opened in a tab, say).
    app.get('/favicon.ico', (c) => c.redirect('/static/favicon.svg', 301));
    app.route('/', loginRoutes(gate));
    app.route('/', pageRoutes(deps));
  });
}

export type App = ReturnType<typeof createApp>;
