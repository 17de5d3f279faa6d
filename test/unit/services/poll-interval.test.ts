import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSessionDeps } from '../../../main/app/session-deps';
import { HostInputSchema, type HostConfig } from '../../../main/core/contract';
import { SettingsStore } from '../../../main/services/settings-store';

const host = (over: Partial<HostConfig> = {}): HostConfig => ({ ...HostInputSchema.parse({ name: 'h', transport: 'local' }), id: 'h', ...over });

describe('the default polling interval applies to hosts without their own', () => {
  it('a host saved without an interval has none: it follows the setting, also after the setting changes', () => {
    expect(HostInputSchema.parse({ name: 'h', transport: 'local' }).pollIntervalSec).toBeUndefined();
    const settings = new SettingsStore(mkdtempSync(join(tmpdir(), 'vmdeck-poll-')));
    const deps = createSessionDeps(settings);
    expect(deps.pollIntervalMs(host())).toBe(5000);
    settings.update({ pollIntervalSec: 17 });
    expect(deps.pollIntervalMs(host())).toBe(17_000);
    // A host with its own interval keeps it.
    expect(deps.pollIntervalMs(host({ pollIntervalSec: 3 }))).toBe(3000);
  });
});
