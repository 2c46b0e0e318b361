// What several page areas share: the provider choices of the forms, and domain errors as error boxes.
import type { Context } from 'hono';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { ProviderOption } from '../../views/components/target-fields';
import { ErrorBox } from '../../views/components/ui';

export const providerOptions = (deps: AppDeps): ProviderOption[] =>
  deps.providers.list().map((p) => ({ name: p.name, label: p.label, models: p.models, defaultModel: p.defaultModel }));

/** Renders a domain error as an error box with its status (htmx 4 swaps 4xx responses in). */
export async function withErrorBox(c: Context, render: () => Promise<Response>): Promise<Response> {
  try {
    return await render();
  } catch (error) {
    if (error instanceof AppError) return c.html(<ErrorBox message={error.message} />, error.status);
    throw error;
  }
}
