// zod validation for every route, failing with one error shape that names the offending field.
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import { z } from 'zod';
import { AppError } from '../errors';
import { findDepthProblem, MAX_JSON_DEPTH } from '../services/storable-json';

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

/** A route's validator: `schema`, and for JSON bodies the depth limit on what the schema kept (no schema recurses). */
export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw validationError(result.error.issues, target);
    const issue = target === 'json' ? depthIssue(result.data) : undefined;
    if (issue) throw validationError([issue], target);
  });
