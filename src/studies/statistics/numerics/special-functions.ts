// The special functions behind the distributions: log-gamma, log-binomial coefficients and the
// regularized incomplete gamma and beta functions. Hand-written because the libraries that offer
// them cost 20–55 KiB gzipped in the Workers bundle for a few hundred lines of numerics (see
// distributions.ts); each is checked in special-functions.test.ts against published values.
import { requireCount } from './input-checks';

// Continued fractions stop when a step changes the value by less than this; series likewise.
const EPSILON = 1e-15;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

// Lanczos (1964) coefficients for g = 7, n = 9 (Godfrey's set, as tabulated with Numerical Recipes
// and in Press et al. 2007 §6.1): about 15 significant digits for x > 0.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LN_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (Lanczos approximation, reflection below ½). */
export function lnGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError(`lnGamma needs a finite x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let series = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) series += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LN_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/** ln n! for a non-negative integer n; exact summation below 30, where Lanczos' relative error shows. */
export function lnFactorial(n: number): number {
  requireCount(n, 'n');
  if (n < 30) {
    let total = 0;
    for (let i = 2; i <= n; i++) total += Math.log(i);
    return total;
  }
  return lnGamma(n + 1);
}

/** ln C(n, k) for integers 0 ≤ k ≤ n. */
export function lnBinomial(n: number, k: number): number {
  requireCount(n, 'n');
  requireCount(k, 'k');
  if (k > n) throw new RangeError(`k (${k}) cannot exceed n (${n})`);
  return lnFactorial(n) - lnFactorial(k) - lnFactorial(n - k);
}

/**
 * The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x), both computed
 * directly (series for x < a + 1, Lentz's continued fraction otherwise; Press et al. 2007 §6.2),
 * so that a small Q — a chi-square or normal tail — keeps its relative precision.
 */
export function regularizedGamma(a: number, x: number): { lower: number; upper: number } {
  if (!(a > 0) || !Number.isFinite(a)) throw new RangeError(`a must be a finite number > 0, got ${a}`);
  if (!(x >= 0)) throw new RangeError(`x must be ≥ 0, got ${x}`);
  if (x === 0) return { lower: 0, upper: 1 };
  if (x === Infinity) return { lower: 1, upper: 0 };
  const front = Math.exp(-x + a * Math.log(x) - lnGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < MAX_ITERATIONS; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
    }
    const lower = Math.min(1, sum * front);
    return { lower, upper: 1 - lower };
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  const upper = Math.min(1, front * h);
  return { lower: 1 - upper, upper };
}

/**
 * The regularized incomplete beta function I_x(a, b) (Press et al. 2007 §6.4: Lentz's continued
 * fraction, on the side of the symmetry I_x(a, b) = 1 − I_{1−x}(b, a) where it converges fast).
 * `oneMinusX` may be passed when 1 − x is known more precisely than x itself (a t tail near 0).
 */
export function regularizedBeta(x: number, a: number, b: number, oneMinusX = 1 - x): number {
  if (!(a > 0) || !(b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) throw new RangeError(`a and b must be finite numbers > 0, got ${a}, ${b}`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`x must be between 0 and 1, got ${x}`);
  if (x === 0) return 0;
  if (oneMinusX === 0) return 1;
  const lnFront = a * Math.log(x) + b * Math.log(oneMinusX) - (lnGamma(a) + lnGamma(b) - lnGamma(a + b));
  if (x < (a + 1) / (a + b + 2)) return Math.exp(lnFront) * betaContinuedFraction(x, a, b) / a;
  return 1 - Math.exp(lnFront) * betaContinuedFraction(oneMinusX, b, a) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) break;
  }
  return h;
}
