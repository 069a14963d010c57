// Shared jest configuration for every package: TypeScript through SWC, native ESM (the packages
// ship ESM only), legacy decorators for the TypeORM entities, and a reporter that feeds the
// root test summary. Packages call it from their jest.config.js.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/** @param {{ testTimeout?: number } & Record<string, unknown>} [overrides] */
export function jestConfig(overrides = {}) {
  return {
    testEnvironment: 'node',
    roots: ['<rootDir>/src', '<rootDir>/test'].filter(Boolean),
    testMatch: ['**/*.test.ts'],
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': [
        '@swc/jest',
        {
          jsc: {
            parser: { syntax: 'typescript', decorators: true },
            transform: { legacyDecorator: true, decoratorMetadata: false, useDefineForClassFields: false },
            target: 'es2022',
            keepClassNames: true,
          },
          module: { type: 'es6' },
          sourceMaps: 'inline',
        },
      ],
    },
    reporters: ['default', join(root, 'scripts', 'jest-summary-reporter.cjs')],
    maxWorkers: 2,
    testTimeout: 30_000,
    ...overrides,
  };
}
