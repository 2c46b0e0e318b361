// The embedding cache key: provider + model + normalized text + dimensions + encoding format.
import { requestHash } from '../capture/request-hash';

export type EncodingFormat = 'float' | 'base64';

/** Null bytes removed, whitespace trimmed: the text that is hashed and sent. */
export const normalizeEmbeddingText = (text: string) => text.replaceAll('\u0000', '').trim();

export const embeddingCacheKey = (key: { provider: string; model: string; text: string; dimensions?: number; encodingFormat?: EncodingFormat }) =>
  requestHash({
    provider: key.provider,
    model: key.model,
    text: key.text,
    dimensions: key.dimensions ?? null,
    // The SDK's default transport is base64 decoded to floats: asking for nothing means floats.
    encoding_format: key.encodingFormat ?? 'float',
  });
