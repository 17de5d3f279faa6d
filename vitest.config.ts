import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * Three projects that mirror the test layers:
 *  unit: pure and fast, fixtures and in-process fakes only;
 *  lab:  services and drivers against the lab's real sshd/libvirt/QEMU/xl-simulator hosts;
 *  e2e:  the real renderer in Debian's Chromium through browser mode, against the lab.
 * `npm test` runs all three; lab and e2e fail (not skip) under CI when the lab is down.
 */
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        plugins: [svelte()],
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/lab/xen-sim/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
        resolve: { conditions: ['browser'] },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.lab.test.ts', 'test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // Runs only where node_modules/electron/dist exists; reported as skipped with the reason elsewhere.
          name: 'electron',
          include: ['test/electron/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 360_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
