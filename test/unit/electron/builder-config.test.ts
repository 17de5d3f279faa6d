/**
 * electron-builder.yml checked OFFLINE with electron-builder's own validator (app-builder-lib's
 * validateConfiguration against its scheme.json), plus the product's packaging choices. A negative case
 * proves the validator is really running.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../..');
// app-builder-lib and js-yaml are dependencies of electron-builder: resolve them from there.
const fromBuilder = createRequire(createRequire(join(ROOT, 'package.json')).resolve('electron-builder/package.json'));
const fromLib = createRequire(fromBuilder.resolve('app-builder-lib/package.json'));
const { validateConfiguration } = fromBuilder('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, debugLogger: unknown): Promise<void>;
};
const { DebugLogger } = fromLib('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
const yaml = fromLib('js-yaml') as { load(text: string): unknown };

type Config = Record<string, unknown> & {
  linux: { target: string[]; category: string; icon: string; desktop: { entry: Record<string, string> } };
  directories: { output: string };
  files: string[];
};

const load = (): Config => yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Config;
const validate = (config: unknown) => validateConfiguration(config, new DebugLogger(false));

describe('electron-builder.yml', () => {
  it('passes electron-builder\'s own schema validation', async () => {
    await expect(validate(load())).resolves.toBeUndefined();
  });

  it('is rejected by the same validator when it has an unknown key', async () => {
    await expect(validate({ ...load(), notAnOption: true })).rejects.toThrow(/notAnOption|unknown property/i);
    // A typo one level down is caught too.
    await expect(validate({ ...load(), linux: { ...load().linux, targets: ['deb'] } })).rejects.toThrow(/configuration\.linux/);
  });

  it('packages the built app for Linux as AppImage, deb, rpm and tar.gz, without native rebuilds', () => {
    const c = load();
    expect(c.appId).toBe('dev.vmdeck.app');
    expect(c.productName).toBe('vmdeck');
    expect(c.directories.output).toBe('dist');
    expect(c.files).toEqual(['out/**', 'package.json']);
    expect(c.linux.target).toEqual(['AppImage', 'deb', 'rpm', 'tar.gz']);
    expect(c.linux.category).toBe('System');
    expect(c.npmRebuild).toBe(false);
    expect(c.buildDependenciesFromSource).toBe(false);
    expect(c.electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false });
  });

  it('points at icons that exist, in every size a Linux desktop asks for', () => {
    const c = load();
    for (const size of [16, 32, 48, 64, 128, 256, 512]) {
      const png = readFileSync(join(ROOT, c.linux.icon, `${size}x${size}.png`));
      expect(png.subarray(1, 4).toString(), `${size}px`).toBe('PNG');
      // IHDR width and height
      expect([png.readUInt32BE(16), png.readUInt32BE(20)], `${size}px`).toEqual([size, size]);
    }
  });
});
