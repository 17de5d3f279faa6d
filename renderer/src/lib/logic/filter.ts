/** The guest filter language lives in main/core/filter.ts (the CLI's `--match` uses it too). */
export * from '../../../../main/core/filter';
