// Number formats shared by the study views.
export const pct = (rate: number | null | undefined, digits = 1) => (rate == null ? '—' : `${(rate * 100).toFixed(digits)}%`);
