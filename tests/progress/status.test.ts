import { describe, expect, it } from 'vitest';
import { measure, roundHalfAwayFromZero, type TargetSpec } from '../../src/progress/status.js';
import { windowContaining } from '../../src/progress/windows.js';

const count = (target_count: number): TargetSpec => ({ target_type: 'count', target_count, target_rate: null });
const rate = (target_rate: number): TargetSpec => ({ target_type: 'rate', target_count: null, target_rate });
const window = { startMs: 1_000, endMs: 1_100 };
const middle = 1_050;
const counts = (conversations: number, achieved: number) => ({ conversations, achieved });

describe('measure a count target during its window', () => {
  it('is on_track when achieved equals expected exactly', () => {
    expect(measure(count(8), counts(10, 4), window, middle)).toEqual({ rate: 40, expected: 4, progress: 0.5, status: 'on_track' });
  });

  it('is at_risk when achieved is exactly 0.75 × expected', () => {
    expect(measure(count(8), counts(10, 3), window, middle).status).toBe('at_risk');
  });

  it('is behind when achieved is below 0.75 × expected', () => {
    expect(measure(count(8), counts(10, 2), window, middle)).toEqual({ rate: 20, expected: 4, progress: 0.25, status: 'behind' });
  });

  it('is achieved as soon as achieved reaches the target, before the window ends', () => {
    expect(measure(count(8), counts(8, 8), window, middle)).toEqual({ rate: 100, expected: 4, progress: 1, status: 'achieved' });
    expect(measure(count(8), counts(12, 11), window, 1_001)).toMatchObject({ progress: 1.375, status: 'achieved' });
  });

  it('gives a null rate when there are no conversations, and still a status', () => {
    expect(measure(count(8), counts(0, 0), window, middle)).toEqual({ rate: null, expected: 4, progress: 0, status: 'behind' });
  });

  it('expects 0 and is on_track at the first instant of the window', () => {
    expect(measure(count(8), counts(0, 0), window, window.startMs)).toEqual({ rate: null, expected: 0, progress: 0, status: 'on_track' });
  });

  it('measures elapsed time in real hours: local noon after the fall-back is 13/25 of the 25-hour day', () => {
    const day = windowContaining('day', Date.parse('2026-10-25T10:00:00Z'), 'Europe/Paris');
    const noon = Date.parse('2026-10-25T12:00:00+01:00');
    expect(measure(count(25), counts(20, 13), day, noon)).toEqual({ rate: 65, expected: 13, progress: 0.52, status: 'on_track' });
    expect(measure(count(25), counts(20, 12), day, noon).status).toBe('at_risk');
    expect(measure(count(10), counts(20, 3), day, noon)).toMatchObject({ expected: 5.2, status: 'behind' });
  });

  it('rounds expected to one decimal and progress to four', () => {
    const third = { startMs: 0, endMs: 3 };
    expect(measure(count(25), counts(5, 1), third, 1)).toEqual({ rate: 20, expected: 8.3, progress: 0.04, status: 'behind' });
    expect(measure(count(3), counts(5, 1), window, middle)).toEqual({ rate: 20, expected: 1.5, progress: 0.3333, status: 'behind' });
    expect(measure(count(3), counts(3, 2), window, 1_001)).toMatchObject({ expected: 0, progress: 0.6667 });
  });
});

describe('measure a count target after its window', () => {
  it('is missed when the window has ended below the target, exactly at the end', () => {
    expect(measure(count(8), counts(9, 7), window, window.endMs)).toEqual({ rate: 77.8, expected: 8, progress: 0.875, status: 'missed' });
  });

  it('is achieved when the window ended at or above the target', () => {
    expect(measure(count(8), counts(9, 8), window, 5_000)).toEqual({ rate: 88.9, expected: 8, progress: 1, status: 'achieved' });
  });

  it('is still running one millisecond before the end', () => {
    expect(measure(count(8), counts(9, 7), window, window.endMs - 1)).toMatchObject({ expected: 7.9, status: 'at_risk' });
  });
});

describe('measure a window that has not started (a future total target)', () => {
  it('counts nothing for a count target: on_track with expected 0', () => {
    expect(measure(count(8), counts(0, 0), window, 0)).toEqual({ rate: null, expected: 0, progress: 0, status: 'on_track' });
  });

  it('is no_data for a rate target', () => {
    expect(measure(rate(50), counts(0, 0), window, 0)).toEqual({ rate: null, expected: null, progress: null, status: 'no_data' });
  });
});

describe('measure a rate target during its window', () => {
  it('is on_track when the rate equals the target exactly', () => {
    expect(measure(rate(80), counts(10, 8), window, middle)).toEqual({ rate: 80, expected: null, progress: 1, status: 'on_track' });
  });

  it('is at_risk when the rate is exactly target − 10 (7 of 10 is 70, not 70.00000000000001)', () => {
    expect(measure(rate(80), counts(10, 7), window, middle)).toEqual({ rate: 70, expected: null, progress: 0.875, status: 'at_risk' });
  });

  it('is behind when the rate is more than 10 points under the target', () => {
    expect(measure(rate(80), counts(100, 69), window, middle)).toEqual({ rate: 69, expected: null, progress: 0.8625, status: 'behind' });
  });

  it('is no_data with no conversations', () => {
    expect(measure(rate(80), counts(0, 0), window, middle)).toEqual({ rate: null, expected: null, progress: null, status: 'no_data' });
  });

  it('rounds the rate to one decimal but compares the exact rate', () => {
    // 2 of 3 is 66.666…%: rounded 66.7, yet below a target of 66.7.
    expect(measure(rate(66.7), counts(3, 2), window, middle)).toEqual({ rate: 66.7, expected: null, progress: 0.9995, status: 'at_risk' });
    expect(measure(rate(33.3), counts(3, 1), window, middle)).toMatchObject({ rate: 33.3, status: 'on_track' });
  });

  it('treats a target rate of 0 as met by any rate, with progress 1', () => {
    expect(measure(rate(0), counts(5, 0), window, middle)).toEqual({ rate: 0, expected: null, progress: 1, status: 'on_track' });
    expect(measure(rate(0), counts(0, 0), window, middle).status).toBe('no_data');
  });

  it('lets progress exceed 1', () => {
    expect(measure(rate(40), counts(10, 9), window, middle)).toMatchObject({ rate: 90, progress: 2.25, status: 'on_track' });
  });
});

describe('measure a rate target after its window', () => {
  it('is achieved when the final rate reaches the target', () => {
    expect(measure(rate(80), counts(10, 8), window, window.endMs).status).toBe('achieved');
  });

  it('is missed when the final rate is below the target, even within 10 points', () => {
    expect(measure(rate(80), counts(10, 7), window, window.endMs).status).toBe('missed');
  });

  it('is no_data when the window ended with no conversations', () => {
    expect(measure(rate(80), counts(0, 0), window, window.endMs).status).toBe('no_data');
  });
});

describe('measure rejects a target without its value', () => {
  it('throws RangeError for a count target with no target_count and a rate target with no target_rate', () => {
    expect(() => measure({ target_type: 'count', target_count: null, target_rate: 50 }, counts(1, 1), window, middle)).toThrow(RangeError);
    expect(() => measure({ target_type: 'rate', target_count: 5, target_rate: null }, counts(1, 1), window, middle)).toThrow(RangeError);
    expect(() => measure(count(0), counts(1, 1), window, middle)).toThrow(RangeError);
  });
});

describe('roundHalfAwayFromZero', () => {
  it.each([
    [0.15, 1, 0.2],
    [-0.15, 1, -0.2],
    [0.25, 1, 0.3],
    [0.05, 1, 0.1],
    [1.005, 2, 1.01],
    [8.345, 2, 8.35],
    [-8.345, 2, -8.35],
    [2.5, 0, 3],
    [-2.5, 0, -3],
    [0.00015, 4, 0.0002],
    [1.5e-7, 7, 2e-7],
    [38.70967741935484, 1, 38.7],
    [0.48, 4, 0.48],
    [0.14999, 1, 0.1],
    [12, 1, 12],
    [1e21, 1, 1e21],
  ])('rounds %d to %d decimals as %d', (value, decimals, expected) => {
    expect(roundHalfAwayFromZero(value, decimals)).toBe(expected);
  });

  it('gives 0, not -0, for a small negative value', () => {
    expect(Object.is(roundHalfAwayFromZero(-0.04, 1), 0)).toBe(true);
    expect(Object.is(roundHalfAwayFromZero(-1e-9, 4), 0)).toBe(true);
  });

  it('throws RangeError for a negative or fractional count of decimals', () => {
    expect(() => roundHalfAwayFromZero(1, -1)).toThrow(RangeError);
    expect(() => roundHalfAwayFromZero(1, 1.5)).toThrow(RangeError);
  });
});
