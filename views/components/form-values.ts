// A submitted form's text fields, to fill a form in again when it comes back (an error, the scorer
// builder without JavaScript) instead of making the person type it all again. Files cannot be refilled.
export type FormValues = Readonly<Record<string, readonly string[]>>;

/** The first value of `key`, or `fallback` when the form was not submitted (a fresh page). */
export const formValue = (values: FormValues | undefined, key: string, fallback = ''): string => (values ? (values[key]?.[0] ?? '') : fallback);

/** Whether a checkbox is ticked: as submitted, or `fallback` on a fresh page. */
export const isTicked = (values: FormValues | undefined, key: string, value: string, fallback = false): boolean =>
  values ? (values[key] ?? []).includes(value) : fallback;
