import { describe, expect, it } from 'vitest';
import { firstSchedule, formatDuration, slotAfter } from './schedule';

describe('schedule slots', () => {
  const due = '2026-01-01T00:00:00.000Z';

  it('puts the next slot one period after a slot that ran on time', () => {
    expect(slotAfter(due, '7d', new Date(due))).toBe('2026-01-08T00:00:00.000Z');
    expect(slotAfter(due, '30m', new Date('2026-01-01T00:00:05Z'))).toBe('2026-01-01T00:30:00.000Z');
  });

  it('runs slots missed while no server was up once, and goes on from the first slot still ahead', () => {
    expect(slotAfter(due, '1h', new Date('2026-01-01T03:10:00Z'))).toBe('2026-01-01T04:00:00.000Z');
    // Exactly on a later slot: that slot is the one being run now, the next is a period on.
    expect(slotAfter(due, '1h', new Date('2026-01-01T03:00:00Z'))).toBe('2026-01-01T04:00:00.000Z');
  });

  it('starts a new schedule one period after it is made, and refuses one shorter than the configured minimum', () => {
    expect(firstSchedule({ scheduleMinEveryMs: 60_000 }, { every: '12h' }, new Date(due))).toEqual({ every: '12h', nextRunAt: '2026-01-01T12:00:00.000Z' });
    expect(() => firstSchedule({ scheduleMinEveryMs: 3_600_000 }, { every: '59m' }, new Date(due))).toThrow(/schedule\.every: "59m" is shorter than this server allows \(1h\)/);
  });

  it('writes durations as a schedule does', () => {
    expect([formatDuration(86_400_000), formatDuration(5_400_000), formatDuration(60_000), formatDuration(90_000)]).toEqual(['1d', '90m', '1m', '90s']);
  });
});
