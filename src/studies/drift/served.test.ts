import { describe, expect, it } from 'vitest';
import { servedByTarget, servedChanges } from './served';

const row = (target_index: number, served_model: string | null, system_fingerprint: string | null, calls: number) => ({ target_index, served_model, system_fingerprint, calls });

describe('servedByTarget', () => {
  it('lists each target’s served models and fingerprints, most calls first, the sets sorted and without nulls', () => {
    const served = servedByTarget([row(0, 'b', 'fp2', 1), row(0, 'a', 'fp1', 5), row(1, null, null, 3), row(0, 'a', null, 2)]);
    expect(served.get(0)).toEqual({
      served: [
        { served_model: 'a', system_fingerprint: 'fp1', calls: 5 },
        { served_model: 'a', system_fingerprint: null, calls: 2 },
        { served_model: 'b', system_fingerprint: 'fp2', calls: 1 },
      ],
      models: ['a', 'b'],
      fingerprints: ['fp1', 'fp2'],
    });
    expect(served.get(1)).toEqual({ served: [{ served_model: null, system_fingerprint: null, calls: 3 }], models: [], fingerprints: [] });
  });
});

describe('servedChanges', () => {
  const of = (models: string[], fingerprints: string[]) => ({ served: [], models, fingerprints });
  it('names what differs, whatever the order the calls came in', () => {
    expect(servedChanges(of(['a'], ['fp1']), of(['a'], ['fp1']))).toEqual([]);
    expect(servedChanges(of(['a'], ['fp1']), of(['b'], ['fp1']))).toEqual(['model']);
    expect(servedChanges(of(['a'], ['fp1']), of(['a'], ['fp1', 'fp2']))).toEqual(['system_fingerprint']);
  });
  it('counts nothing as changed when either run reported nothing (calls captured before it was kept)', () => {
    expect(servedChanges(of([], []), of(['a'], ['fp1']))).toEqual([]);
  });
});
