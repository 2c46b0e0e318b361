// What every gateway route works with.
import type { AppDeps } from '../../deps';
import type { CaptureContext } from '../../services/capture';
import type { EmbeddingService } from '../../services/embeddings';
import type { ModelRouter } from '../../services/model-routes';

export interface GatewayContext {
  deps: AppDeps;
  ctx: CaptureContext;
  router: ModelRouter;
  embeddings: EmbeddingService;
}
