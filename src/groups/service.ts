// Group rules: label and experiment groups (and any other type) are open to anyone; study,
// conversation and judge groups belong to their services, which alone add their members.
import type { Database } from '../db/client';
import { getGroup } from './repository';
import { STUDY_GROUP_TYPE, type Group } from '../db/schema';
import { AppError, notFound } from '../errors';

/** What people read for a group type: a study for the type studies are stored under. */
export const groupTypeName = (type: string) => (type === STUDY_GROUP_TYPE ? 'study' : type);

/** The stored group type a page's type filter names (`study` for studies). */
export const groupTypeFilter = (name: string) => (name === 'study' ? STUDY_GROUP_TYPE : name);

export const OWNED_GROUP_TYPES: ReadonlySet<string> = new Set([STUDY_GROUP_TYPE, 'conversation', 'judge']);

const OWNERS: Record<string, string> = {
  [STUDY_GROUP_TYPE]: 'its study run (POST /api/v1/studies)',
  conversation: 'its chat (POST /api/v1/conversations/:id/messages)',
  judge: 'its LLM-judge scorer (POST /api/v1/studies/:id/score)',
};
const ownerOf = (type: string) => OWNERS[type] ?? 'its own service';

/** Refuses (409) to file calls into a study, conversation or judge group from outside its own service. */
export function assertOpenGroup(group: Pick<Group, 'id' | 'groupType'>): void {
  if (!OWNED_GROUP_TYPES.has(group.groupType)) return;
  throw new AppError(
    409,
    'group_not_open',
    `group ${group.id} is a ${groupTypeName(group.groupType)} group: only ${ownerOf(group.groupType)} adds calls to it; file calls into a label or experiment group instead`,
  );
}

/** Study, conversation and judge groups are made by their services, never directly (400). */
export function assertCreatableGroupType(type: string): void {
  if (!OWNED_GROUP_TYPES.has(type)) return;
  throw new AppError(400, 'invalid_request', `group_type: "${type}" groups are created by ${ownerOf(type)}, not through /api/v1/groups`, [
    { path: 'group_type', message: `"${type}" groups are created by their own service` },
  ]);
}

/** The group calls are about to be filed into: it must exist (404) and be open (409). Checked before any provider call. */
export async function openGroup(db: Database, id: number): Promise<Group> {
  const group = await getGroup(db, id);
  if (!group) throw notFound('group', id);
  assertOpenGroup(group);
  return group;
}
