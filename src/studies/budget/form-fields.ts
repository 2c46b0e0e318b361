// The Studies form's dry run and cap fields, as the API's `dry_run_items` and `budget_usd` (checked
// with the rest of the study), and its "Estimate" button.
import { field, type FormBody } from '../../pages/form-input';

/** The form's "Estimate" button (name="intent") sends the form to be estimated, not started. */
export const estimating = (body: FormBody) => field(body, 'intent').toLowerCase() === 'estimate';

export function budgetFormFields(body: FormBody) {
  const dryRun = field(body, 'dry_run_items');
  const budget = field(body, 'budget_usd');
  return {
    ...(dryRun ? { dry_run_items: Number(dryRun) } : {}),
    ...(budget ? { budget_usd: Number(budget) } : {}),
  };
}
