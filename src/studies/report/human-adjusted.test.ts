import { describe, expect, it } from 'vitest';
import { emptyHumanTable } from './agreement';
import { cellKey, type CellStats } from './cells';
import { adjustedTally, humanAdjustedAccuracy } from './human-adjusted';

const cell = (item_id: number, passes: number, scored: number) => ({ item_id, target_index: 0, n: scored, passes, scored }) as CellStats;

describe('human-adjusted accuracy', () => {
  it('counts each labelled call as the human said and keeps the scorer elsewhere', () => {
    // 3 of 4 scored samples pass; one passing sample labelled fail, one failing labelled pass, one unscored answer labelled pass.
    const table = { ...emptyHumanTable(), labelled: 3, compared: 2, human_fail_scorer_pass: 1, human_pass_scorer_fail: 1, human_pass_unscored: 1 };
    expect(adjustedTally(cell(1, 3, 4), table)).toEqual({ passes: 4, scored: 5 });
    expect(adjustedTally(cell(1, 3, 4), undefined)).toEqual({ passes: 3, scored: 4 });
    // An item no scorer could score at all, labelled fail by a human, now counts.
    expect(adjustedTally(undefined, { ...emptyHumanTable(), labelled: 1, human_fail_unscored: 1 })).toEqual({ passes: 0, scored: 1 });
  });

  it('is the item-clustered accuracy of the adjusted tallies (hand-computed: Wilson over 3 items)', () => {
    const items = [1, 2, 3].map((id) => ({ id, key: `i${id}`, fields: null }));
    const cells = new Map([cell(1, 2, 2), cell(2, 0, 2), cell(3, 1, 2)].map((c) => [cellKey(c.item_id, 0), c]));
    // Item 2's two fails are overruled: 2/2, 2/2, 1/2 → 5/6; fewer than 10 items, so Wilson over the 3 items with
    // p·G = 2.5: p = 0.833333, n = 3, z = 1.959964 → [0.309988, 0.982347] (centre 0.646168, half-width 0.336180).
    const human = new Map([[cellKey(2, 0), { ...emptyHumanTable(), labelled: 2, compared: 2, human_pass_scorer_fail: 2 }]]);
    const adjusted = humanAdjustedAccuracy(items, cells, human, 0, null);
    expect(adjusted).toMatchObject({ items: 3, samples: 6, passed: 5, method: 'wilson-items', labels: 2, overruled: 2, added: 0, cluster_by: null });
    expect(adjusted.estimate).toBeCloseTo(5 / 6, 12);
    expect(adjusted.low).toBeCloseTo(0.309988, 6);
    expect(adjusted.high).toBeCloseTo(0.982347, 6);
    // Without labels it is the automatic accuracy: 3/6.
    expect(humanAdjustedAccuracy(items, cells, new Map(), 0, null)).toMatchObject({ estimate: 0.5, labels: 0, overruled: 0 });
  });
});
