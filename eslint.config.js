// Lint rules, including the layer directions of docs/architecture.md:
//   core <- transport, hypervisors <- services <- app <- electron | web | cli;  renderer and preload see core only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

const NODE_BUILTINS = ['node:*', 'fs', 'fs/*', 'path', 'os', 'child_process', 'net', 'http', 'https', 'crypto', 'stream', 'util', 'url', 'events', 'tty', 'readline'];
const layer = (forbidden, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: forbidden, message }] }],
});
const up = (names) => names.flatMap((n) => [`**/${n}/*`, `**/${n}`]);

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'test/lab/xen-sim/**', 'docs/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
      // Terminal and console code handles control characters on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { projectService: false, extraFileExtensions: ['.svelte'], parser: tseslint.parser, svelteConfig } },
  },
  // --- layer directions -------------------------------------------------------------------------
  {
    files: ['main/core/**/*.ts'],
    rules: layer([...NODE_BUILTINS, 'electron', 'ssh2', 'ws', ...up(['transport', 'hypervisors', 'services', 'app', 'electron', 'web', 'cli'])], 'main/core is pure TypeScript: no Node, no Electron, no outer layers.'),
  },
  {
    files: ['main/hypervisors/**/*.ts'],
    rules: layer([...NODE_BUILTINS, 'electron', 'ssh2', 'ws', ...up(['transport', 'services', 'app', 'electron', 'web', 'cli'])], 'drivers do all I/O through the injected CommandRunner (main/core/runner.ts).'),
  },
  {
    files: ['main/transport/**/*.ts'],
    rules: layer(['electron', 'ws', ...up(['hypervisors', 'services', 'app', 'electron', 'web', 'cli'])], 'transport imports only core.'),
  },
  {
    files: ['main/services/**/*.ts'],
    rules: layer(['electron', 'ws', ...up(['app', 'electron', 'web', 'cli'])], 'services must not know their transport (Electron, web, CLI).'),
  },
  {
    files: ['main/app/**/*.ts', 'main/web/**/*.ts', 'main/cli/**/*.ts'],
    rules: layer(['electron', ...up(['electron'])], 'only main/electron may import Electron.'),
  },
  {
    // The CLI is a client of the contract (main/app/in-process-client.ts): values from the layers below
    // it would be a second composition root. Types are fine.
    files: ['main/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: up(['services', 'transport', 'hypervisors']),
              allowTypeImports: true,
              message: 'the CLI reaches services, transport and drivers through main/app and the contract (types only here).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: layer([...NODE_BUILTINS, 'electron', 'ssh2', 'ws', ...up(['transport', 'hypervisors', 'services', 'app', 'electron', 'web', 'cli'])], 'the renderer sees the backend only through the contract (main/core).'),
  },
  {
    files: ['preload/**/*.ts'],
    rules: layer([...NODE_BUILTINS, 'ssh2', 'ws', ...up(['transport', 'hypervisors', 'services', 'app', 'web', 'cli'])], 'the preload exposes the contract and nothing else.'),
  },
);
