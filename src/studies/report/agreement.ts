// Agreement between raters of a study's calls, as Cohen's κ with its interval: human labels against
// the automatic scorer (per target and overall), and reviewers against each other where several
// labelled the same calls. Over calls, not items. Pure: no I/O.
import { cohenKappa, type CohenKappa } from '../statistics';

/** Human labels of one cell's calls beside the scorer's verdicts: rows the human, columns the scorer. */
export interface HumanTable {
  labelled: number;
  compared: number;
  agree: number;
  both_pass: number;
  human_pass_scorer_fail: number;
  human_fail_scorer_pass: number;
  both_fail: number;
  /** Answered calls labelled pass / fail that the scorer could not score: the human-adjusted accuracy counts them. */
  human_pass_unscored: number;
  human_fail_unscored: number;
}

export const emptyHumanTable = (): HumanTable => ({
  labelled: 0,
  compared: 0,
  agree: 0,
  both_pass: 0,
  human_pass_scorer_fail: 0,
  human_fail_scorer_pass: 0,
  both_fail: 0,
  human_pass_unscored: 0,
  human_fail_unscored: 0,
});

export function addHumanTable(sum: HumanTable, row: HumanTable) {
  for (const key of Object.keys(sum) as Array<keyof HumanTable>) sum[key] += row[key];
}

/** Cohen's κ of human labels against the scorer, over the calls both passed or failed. */
export function humanScorerKappa(table: HumanTable): CohenKappa {
  return cohenKappa([
    [table.both_pass, table.human_pass_scorer_fail],
    [table.human_fail_scorer_pass, table.both_fail],
  ]);
}

export interface HumanAgreement {
  labelled: number;
  compared: number;
  agree: number;
  agreement: number | null;
  kappa: CohenKappa;
}

export function humanAgreement(table: HumanTable): HumanAgreement {
  return { labelled: table.labelled, compared: table.compared, agree: table.agree, agreement: table.compared ? table.agree / table.compared : null, kappa: humanScorerKappa(table) };
}

/** Two reviewers' latest labels of the calls both labelled (pass or fail): rows the first, columns the second. */
export interface ReviewerTable {
  first: string;
  second: string;
  both_pass: number;
  first_pass_second_fail: number;
  first_fail_second_pass: number;
  both_fail: number;
}

export type ReviewerAgreement = { first: string; second: string; agree: number } & CohenKappa;

export function reviewerAgreement(table: ReviewerTable): ReviewerAgreement {
  const kappa = cohenKappa([
    [table.both_pass, table.first_pass_second_fail],
    [table.first_fail_second_pass, table.both_fail],
  ]);
  return { first: table.first, second: table.second, agree: table.both_pass + table.both_fail, ...kappa };
}
