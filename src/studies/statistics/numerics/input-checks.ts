// Domain checks shared by the statistics modules: an input outside a function's domain throws a
// RangeError naming the offending argument (the convention of the older study statistics).

export function requireCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

export function requirePositiveCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

export function requireFinite(value: number, name: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
}

export function requireNonNegative(value: number, name: string): void {
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a finite non-negative number, got ${value}`);
}

export function requireProbability(value: number, name: string): void {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
}

/** A confidence level strictly between 0 and 1 (0.95 for a 95% interval). */
export function requireConfidence(value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`confidence must be between 0 and 1 (exclusive), got ${value}`);
}
