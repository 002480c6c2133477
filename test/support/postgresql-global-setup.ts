import type {TestProject} from 'vitest/node';
import {startPrivatePostgresql, type PrivatePostgresql} from './postgresql.js';

let postgresql: PrivatePostgresql | undefined;

/**
 * Global setup of the vitest project "postgresql": one private cluster for the whole run (each test then creates
 * its own database on it: test/support/test-store.ts).
 */
export async function setup(project: TestProject): Promise<void> {
  postgresql = await startPrivatePostgresql();
  project.provide('postgresql', {url: postgresql.url('postgres')});
}

export async function teardown(): Promise<void> {
  await postgresql?.stop();
}
