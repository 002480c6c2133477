import {configDefaults, defineConfig} from 'vitest/config';
import {missingPostgresql} from './test/support/postgresql.js';

/**
 * Every test once on the embedded SQLite store, and the service's tests again on a private PostgreSQL (project
 * "postgresql"). Without PostgreSQL installed, that project fails under CI=true and is left out elsewhere, with a
 * warning.
 */
const withPostgresql = process.env.CI === 'true' || missingPostgresql() === undefined;
if (!withPostgresql) console.warn(`The service's tests on PostgreSQL are left out: ${missingPostgresql()}`);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['test/**/*.test.{ts,tsx}'],
          // Several instances on one store: a SQLite file belongs to one process, so this runs on PostgreSQL only.
          exclude: [...configDefaults.exclude, 'test/service/instances.test.ts'],
        },
      },
      ...(withPostgresql
        ? [
            {
              extends: true as const,
              test: {
                name: 'postgresql',
                include: ['test/service/**/*.test.ts'],
                exclude: ['test/service/store/private-postgresql.test.ts'],
                globalSetup: ['test/support/postgresql-global-setup.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
