import { describe, expect, it } from 'vitest';
import { formatUptime } from '../../../renderer/src/lib/logic/format';
import { detailsSignature, stateLabel } from '../../../renderer/src/lib/logic/states';
import { resolvedTheme } from '../../../renderer/src/lib/theme';

const base = { state: 'shutoff' as const, domId: null, vcpus: 1, maxVcpus: 1, maxMemoryKiB: 131072, name: 'beta', persistent: true, autostart: false, hasManagedSave: false };

describe('details follow the guest', () => {
  it('a state or configuration change changes the signature; running and idle do not, nor statistics', () => {
    const s = detailsSignature(base);
    expect(detailsSignature({ ...base, state: 'running', domId: 7 })).not.toBe(s);
    expect(detailsSignature({ ...base, maxMemoryKiB: 262144 })).not.toBe(s);
    expect(detailsSignature({ ...base, name: 'beta2' })).not.toBe(s);
    const running = { ...base, state: 'running' as const, domId: 7 };
    expect(detailsSignature({ ...running, state: 'blocked' })).toBe(detailsSignature(running));
  });
});

describe('what is shown', () => {
  it('unknown uptime is empty (the field is hidden), known uptime is short', () => {
    expect(formatUptime(undefined)).toBe('');
    expect(formatUptime(null)).toBe('');
    expect(formatUptime(2 * 86_400 + 3 * 3600 + 2 * 60)).toBe('2d 3h');
    expect(formatUptime(240)).toBe('4m');
  });
  it('states read as the list shows them', () => {
    expect(stateLabel('shutoff')).toBe('Shut off');
    expect(stateLabel('pmsuspended')).toBe('Suspended');
    expect(stateLabel('something-new')).toBe('something-new');
  });
  it('theme: system follows the OS, light and dark are fixed', () => {
    expect(resolvedTheme('system', true)).toBe('dark');
    expect(resolvedTheme('system', false)).toBe('light');
    expect(resolvedTheme('light', true)).toBe('light');
    expect(resolvedTheme('dark', false)).toBe('dark');
  });
});
