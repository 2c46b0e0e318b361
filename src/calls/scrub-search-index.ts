// Configured secrets taken out of the full-text index at start-up. Rows captured before answers were
// scrubbed may still hold a key (raw_calls is append-only: they keep it), and the index holds a copy of
// their text: a search would find such a row by the key, and its snippet would show the key with
// highlight marks inside it, where the scrub of what is shown no longer recognises it. Only the index
// is rewritten. Secrets are configuration, so this runs where they are known — each start, and
// `npm run db:migrate` — not in a migration (drizzle/0016 rebuilds the index from the rows).
import { rewriteSearchIndexEntry, searchIndexEntries } from './search-index-repository';
import type { Database } from '../db/client';
import { secretScrubber } from '../capture/scrub-secrets';

const PAGE = 500;
/** Tokens this long are searched alone too, in case the key sits glued to other text (`xsk-…`). */
const DISTINCT_TOKEN_LENGTH = 8;

const quoted = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * An FTS5 query for entries that may hold `secret`: the secret as a phrase (the tokenizer reads the
 * quoted text the way it read the entry), or any of its longer tokens. A superset: matches are
 * checked for the exact secret before anything is rewritten.
 */
export function secretCandidatesQuery(secret: string): string | undefined {
  const tokens = secret.match(/[\p{L}\p{N}]+/gu) ?? [];
  if (!tokens.length) return undefined;
  const distinct = [...new Set(tokens.filter((t) => t.length >= DISTINCT_TOKEN_LENGTH))];
  return [quoted(secret), ...distinct.map(quoted)].join(' OR ');
}

/** Rewrites every index entry holding a configured secret with the secret replaced; returns how many. */
export async function scrubSearchIndex(db: Database, secrets: string[]): Promise<number> {
  const scrub = secretScrubber(secrets);
  let rewritten = 0;
  for (const secret of secrets) {
    const match = secretCandidatesQuery(secret);
    if (!match) continue;
    for (let after = 0; ; ) {
      const page = await searchIndexEntries(db, match, after, PAGE);
      for (const entry of page) {
        const clean = scrub(entry);
        if (clean.prompt === entry.prompt && clean.response === entry.response && clean.error === entry.error) continue;
        await rewriteSearchIndexEntry(db, clean);
        rewritten++;
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1]!.id;
    }
  }
  return rewritten;
}
