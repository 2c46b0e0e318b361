// Embedding vectors as the provider sent them → validated float32 arrays.
import { ProviderError } from '../providers/types';
import { MAX_DIMENSION } from './vector-index';

/** Vectors as float32, whether the provider sent numbers or (asked for base64) packed float32 strings. */
export function decodeVectors(raw: unknown[], expected: number): Float32Array[] {
  const malformed = (message: string) => new ProviderError('MalformedResponse', message, { status: 200, retryable: false });
  if (raw.length !== expected) throw malformed(`expected ${expected} embeddings, got ${raw.length}`);
  const vectors = raw.map((value) => {
    if (typeof value === 'string') {
      const bytes = Uint8Array.from(atob(value), (ch) => ch.charCodeAt(0));
      if (bytes.length % 4 !== 0) throw malformed('a base64 embedding is not a whole number of float32 values');
      return new Float32Array(bytes.buffer, 0, bytes.length / 4);
    }
    if (Array.isArray(value) && value.every((x) => typeof x === 'number')) return Float32Array.from(value as number[]);
    throw malformed('an embedding is neither a list of numbers nor base64');
  });
  const dimension = vectors[0]?.length ?? 0;
  if (dimension < 1 || dimension > MAX_DIMENSION) throw malformed(`embedding dimension ${dimension} is outside 1..${MAX_DIMENSION}`);
  for (const vector of vectors) {
    if (vector.length !== dimension) throw malformed('embeddings of one request have different dimensions');
    if (!vector.every(Number.isFinite)) throw malformed('an embedding contains a non-finite value');
  }
  return vectors;
}
