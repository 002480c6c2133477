import {describe, it} from 'vitest';

/**
 * `describe` for tests that need something from the machine (a third-party tool, pcscd, tmux). `missing` says
 * what is missing, or is undefined when nothing is. Then the block runs; otherwise it is skipped with the reason in
 * its title, except under CI=true, where it becomes one failing test naming what is missing (CI must have it).
 */
export function describeWithRequirement(title: string, missing: string | undefined, body: () => void): void {
  if (missing === undefined) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it('has what it needs to run', () => {
        throw new Error(`cannot run: ${missing}`);
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${missing})`, body);
  }
}
