// Statistics for studies, as specified in shared/reference/statistics.md: every interval and test
// is over items — the population a study samples — not over samples, which are repeated
// measurements of one item. Pure functions (no I/O, no clock; randomness only from a caller's
// seed); an input outside a function's domain throws a RangeError. One concept per module:
//   distributions, special-functions  normal, Student t and χ² (hand-written; why in distributions.ts)
//   accuracy, ratio, wilson           accuracy over items: item-clustered SE, t interval, Wilson fallback
//   paired, mcnemar                   two targets on the same items: paired t, MDE, exact McNemar on votes
//   multiplicity                      Holm and Benjamini–Hochberg adjusted p-values
//   votes, consistency                majority vote with ties split, self-consistency, entropy
//   repeats                           pass@k and pass^k
//   agreement                         Cohen's κ with its large-sample interval
//   drift, contingency                did an item's answers change between runs: exact / χ² tests, TVD
//   cost                              cost per correct answer with a delta-method interval
// simulate-study.ts (seeded simulated studies) serves the tests and is not re-exported.
export { itemAccuracy, sampleLevelWilson, DEFAULT_MIN_CLUSTERS_FOR_T } from './accuracy';
export type { AccuracyMethod, AccuracyOptions, ItemAccuracy, ItemTally, SampleLevelWilson } from './accuracy';
export { cohenKappa } from './agreement';
export type { CohenKappa } from './agreement';
export { answerEntropyBits, normalizedEntropy, selfConsistency } from './consistency';
export { exactRowsByTwo, fisherExact2x2, monteCarloRowsByTwo, pearsonChiSquare, MAX_EXACT_TABLES } from './contingency';
export type { ChiSquareTest, ExactTest, MonteCarloOptions, RowCounts } from './contingency';
export { costPerCorrect } from './cost';
export type { CostPerCorrect, ItemCost } from './cost';
export {
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
  normalUpperTail,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
  studentTUpperTail,
} from './numerics/distributions';
export { answerDistributionDrift, totalVariationDistance } from './drift';
export type { AnswerDrift, CategoryCounts, DriftMethod, DriftOptions } from './drift';
export { mcnemarExact } from './mcnemar';
export type { McNemarResult } from './mcnemar';
export { benjaminiHochbergAdjust, holmAdjust } from './multiplicity';
export { itemsNeededForEffect, minimumDetectableEffect, pairedDifference, pairedDifferenceOf } from './paired';
export type { PairedComparison, PowerOptions } from './paired';
export { clusteredRatio } from './ratio';
export type { ClusteredRatio, RatioUnit, SmallSampleCorrection } from './ratio';
export { passAtK, passHatK, repeatCurves } from './repeats';
export type { RepeatCurvePoint } from './repeats';
export { lnBinomial, lnFactorial, lnGamma, regularizedBeta, regularizedGamma } from './numerics/special-functions';
export { majorityVote, majorityVoteAccuracy, majorityVoteOfTallies } from './votes';
export type { MajorityVote, MajorityVoteAccuracy, ValueTally, VotedSample } from './votes';
export { wilsonInterval } from './wilson';
export type { WilsonInterval } from './wilson';
