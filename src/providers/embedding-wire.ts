// Embeddings as a provider sends them → checked float32 vectors. Every request names the encoding it
// wants, so the SDK never decodes on our behalf: servers that ignore `encoding_format: "base64"` and
// send floats (older text-embeddings-inference, sglang, infinity) had their floats read as base64
// bytes by the SDK and came back as one-dimension garbage. Here either form is read for what it is.
import { ProviderError } from './types';

/** The largest dimension accepted from a provider (the vector index's own limit). */
export const MAX_EMBEDDING_DIMENSION = 65_536;

const malformed = (message: string) => new ProviderError('MalformedResponse', message, { status: 200, retryable: false });

/**
 * One float32 vector per input, whether sent as numbers or as base64-packed float32s; all of one
 * dimension, finite, and of the dimension asked for when one was.
 */
export function decodeEmbeddings(data: unknown[], expected: { count: number; dimensions?: number }): Float32Array[] {
  if (data.length !== expected.count) throw malformed(`expected ${expected.count} embeddings, got ${data.length}`);
  const vectors = data.map((value) => {
    if (typeof value === 'string') {
      const bytes = base64Bytes(value);
      if (bytes.length % 4 !== 0) throw malformed('a base64 embedding is not a whole number of float32 values');
      return new Float32Array(bytes.buffer, 0, bytes.length / 4);
    }
    if (Array.isArray(value) && value.every((x) => typeof x === 'number')) return Float32Array.from(value as number[]);
    throw malformed('an embedding is neither a list of numbers nor base64');
  });
  const dimension = vectors[0]?.length ?? 0;
  if (dimension < 1 || dimension > MAX_EMBEDDING_DIMENSION) throw malformed(`embedding dimension ${dimension} is outside 1..${MAX_EMBEDDING_DIMENSION}`);
  if (expected.dimensions !== undefined && dimension !== expected.dimensions) {
    throw malformed(`the provider returned ${dimension}-dimension embeddings; ${expected.dimensions} were asked for`);
  }
  for (const vector of vectors) {
    if (vector.length !== dimension) throw malformed('embeddings of one request have different dimensions');
    if (!vector.every(Number.isFinite)) throw malformed('an embedding contains a non-finite value');
  }
  return vectors;
}

function base64Bytes(text: string): Uint8Array {
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    throw malformed('an embedding string is not base64');
  }
}

/** The `encoding_format: base64` wire form: little-endian float32s, base64-encoded (what the SDKs decode). */
export function float32Base64(vector: Float32Array): string {
  const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
