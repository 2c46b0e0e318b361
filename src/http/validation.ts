// zod validation for every route, failing with one error shape that names the offending field.
import { zValidator } from '@hono/zod-validator';
import type { ValidationTargets } from 'hono';
import type { z } from 'zod';
import { AppError } from '../errors';

export function validationError(issues: readonly z.core.$ZodIssue[], target: keyof ValidationTargets): AppError {
  const details = issues.map((issue) => ({
    path: issue.path.map(String).join('.') || target,
    message: issue.message,
  }));
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return new AppError(400, 'invalid_request', `${first.path}: ${first.message}${more}`, details);
}

export const validate = <Target extends keyof ValidationTargets, Schema extends z.ZodType>(target: Target, schema: Schema) =>
  zValidator(target, schema, (result) => {
    if (!result.success) throw validationError(result.error.issues, target);
  });
