// What every gateway route works with.
import type { AppDeps } from '../deps';
import type { CaptureContext } from '../capture/capture';
import type { EmbeddingService } from '../embeddings/service';
import type { ModelRouter } from './model-routes';
import type { ServedApis } from './served-apis';

export interface GatewayContext {
  deps: AppDeps;
  ctx: CaptureContext;
  router: ModelRouter;
  embeddings: EmbeddingService;
  /** Which APIs besides chat each provider serves, as configured and as probed since start. */
  apis: ServedApis;
}
