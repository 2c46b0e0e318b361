// Configured secrets (provider keys, the access token, the database token) removed from data: what a
// provider answers is stored, indexed, relayed and shown only after this. Only the exact configured
// values are removed — variants (a key split in two, re-encoded, or cut across stream chunks) are not.
import { redactValues } from '../logging';

export type SecretScrubber = <T>(value: T) => T;

export const SECRET_PLACEHOLDER = '[redacted]';

/** For contexts built without secrets (tests, tools): nothing to remove. */
export const noSecrets: SecretScrubber = (value) => value;

export function secretScrubber(secrets: string[]): SecretScrubber {
  const sorted = [...new Set(secrets)].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  // Nothing configured, nothing to find: no walk over every answer.
  if (!sorted.length) return (value) => value;
  const scrubText = (text: string) => {
    let out = text;
    for (const secret of sorted) if (out.includes(secret)) out = out.split(secret).join(SECRET_PLACEHOLDER);
    return out;
  };
  return <T>(value: T) => redactValues(value, scrubText) as T;
}
