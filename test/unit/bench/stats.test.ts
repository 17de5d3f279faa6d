import { describe, expect, it } from 'vitest';
import { mean, median, medianOf, percentile, ratio, round, summarize } from '../../bench/stats';

describe('bench stats', () => {
  it('percentile uses the nearest rank and does not reorder the input', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 10)).toBe(1);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile(values, 100)).toBe(10);
    expect(values[0]).toBe(5);
  });

  it('percentile of 100 values picks the p-th value', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
  });

  it('empty sets give NaN and bad percentiles throw', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(median([])).toBeNaN();
    expect(mean([])).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('median handles odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('summarize reports n, min, max, mean and the percentiles', () => {
    const s = summarize([1, 2, 3, 4]);
    expect(s).toEqual({ n: 4, min: 1, p50: 2, p95: 4, p99: 4, max: 4, mean: 2.5 });
  });

  it('medianOf runs the function n times in order', async () => {
    const seen: number[] = [];
    const r = await medianOf(5, async (i) => {
      seen.push(i);
      return [9, 1, 5, 3, 7][i]!;
    });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(r.median).toBe(5);
    expect(r.samples).toEqual([9, 1, 5, 3, 7]);
    await expect(medianOf(0, async () => 1)).rejects.toThrow(RangeError);
  });

  it('ratio guards against zero and non-finite values; round rounds', () => {
    expect(ratio(3, 2)).toBe(1.5);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 1)).toBeNaN();
    expect(round(1.23456, 2)).toBe(1.23);
  });
});
