// The layer directions of docs/architecture.md are enforced by eslint.config.js: prove each rule bites.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(filePath: string, code: string): Promise<boolean> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).some((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === '@typescript-eslint/no-restricted-imports');
}

describe('layer directions', () => {
  const cases: [string, string, boolean][] = [
    ['main/core/x.ts', "import { readFileSync } from 'node:fs';", true],
    ['main/core/x.ts', "import { HostStore } from '../services/host-store';", true],
    ['main/core/x.ts', "import { z } from 'zod';", false],
    ['main/hypervisors/libvirt/x.ts', "import { spawn } from 'node:child_process';", true],
    ['main/hypervisors/libvirt/x.ts', "import { SshCommandRunner } from '../../transport/ssh-runner';", true],
    ['main/hypervisors/libvirt/x.ts', "import type { CommandRunner } from '../../core/runner';", false],
    ['main/transport/x.ts', "import { HostRegistry } from '../services/host-registry';", true],
    ['main/services/x.ts', "import { app } from 'electron';", true],
    ['main/web/x.ts', "import { app } from 'electron';", true],
    ['main/electron/x.ts', "import { app } from 'electron';", false],
    ['renderer/src/lib/x.ts', "import { HostRegistry } from '../../../main/services/host-registry';", true],
    ['renderer/src/lib/x.ts', "import { methods } from '../../../main/core/contract';", false],
    ['preload/x.ts', "import { createBackend } from '../main/app/backend';", true],
    ['main/cli/x.ts', "import { HostRegistry } from '../services/host-registry';", true],
    ['main/cli/x.ts', "import { systemClock } from '../transport/clock';", true],
    ['main/cli/x.ts', "import { createDriver } from '../hypervisors/detect';", true],
    ['main/cli/x.ts', "import type { PromptBroker } from '../transport/prompts';", false],
    ['main/cli/x.ts', "import { createBackend } from '../app/backend';", false],
  ];
  for (const [file, code, expected] of cases) {
    it(`${file}: ${code} is ${expected ? 'refused' : 'allowed'}`, async () => {
      expect(await restricted(file, `${code}\nexport const used = 1;\n`)).toBe(expected);
    });
  }
});
