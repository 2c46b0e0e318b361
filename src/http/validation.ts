// zod validation for every route, failing with one error shape that names the offending field.
import type { ValidationTargets } from 'hono';
import { z } from 'zod';
import { AppError } from '../errors';
import { findDepthProblem, MAX_JSON_DEPTH } from '../capture/storable-json';

type Issue = Pick<z.core.$ZodIssue, 'path' | 'message'>;

export function validationError(issues: readonly Issue[], target: keyof ValidationTargets): AppError {
  const details = issues.map((issue) => ({
    path: issue.path.map(String).join('.') || target,
    message: issue.message,
  }));
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return new AppError(400, 'invalid_request', `${first.path}: ${first.message}${more}`, details);
}

const depthIssue = (value: unknown): Issue | undefined => {
  const problem = findDepthProblem(value);
  return problem && { path: problem.path, message: `nested deeper than ${MAX_JSON_DEPTH} levels` };
};

/**
 * `schema`, after a check that the value nests no deeper than MAX_JSON_DEPTH: everything a request
 * carries may end up stored as JSON, and what cannot be stored is refused before any work is done.
 */
export const withinJsonDepth = <Schema extends z.ZodType>(schema: Schema) =>
  z
    .unknown()
    .superRefine((value, ctx) => {
      const issue = depthIssue(value);
      if (issue) ctx.addIssue({ code: 'custom', ...issue });
    })
    .pipe(schema);

/**
 * What every validator does with its result: a failure becomes the one 400 error shape, and a JSON
 * body must also nest no deeper than MAX_JSON_DEPTH in what the schema kept (no schema recurses).
 */
export const validationHook = (
  result: ({ success: true; data: unknown } | { success: false; error: { issues: readonly Issue[] } }) & { target: keyof ValidationTargets },
) => {
  if (!result.success) throw validationError(result.error.issues, result.target);
  const issue = result.target === 'json' ? depthIssue(result.data) : undefined;
  if (issue) throw validationError([issue], result.target);
};
