import { describe, expect, it } from 'vitest';
import { parseXlUptime } from '../../../main/core/parsers';
import { fixture } from './fixtures';

describe('parseXlUptime', () => {
  it('reads the reference sample: days, hours, minutes, seconds by domid', () => {
    const m = parseXlUptime(fixture('xl/xl-uptime.txt'));
    expect([...m.entries()]).toEqual([
      [0, 6 * 86_400 + 3 * 3600 + 32 * 60 + 45],
      [3, 2 * 86_400 + 3 * 3600 + 2 * 60 + 22],
      [5, 3 * 3600 + 8 * 60 + 27],
      [7, 86_400 + 3 * 3600 + 15],
    ]);
  });

  it('names with spaces and digits, long uptimes; header and junk skipped', () => {
    const text = 'Name                                ID Uptime\nweb 01 2024                         12 123 days, 23:59:59\n\nnonsense\n';
    expect([...parseXlUptime(text).entries()]).toEqual([[12, 123 * 86_400 + 23 * 3600 + 59 * 60 + 59]]);
  });
});
