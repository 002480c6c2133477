import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** How a run of the CLI ended. */
export interface CliAnswer {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI from the sources (source/cli.tsx) in `lang`'s locale, with its settings and state under `home`
 * and its standard input closed.
 */
export function runCliFromSources(
  argv: readonly string[],
  options: {readonly home: string; readonly lang: string},
): Promise<CliAnswer> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'source/cli.tsx', ...argv],
      {
        cwd: ROOT,
        timeout: 60_000,
        env: {
          PATH: process.env['PATH'],
          LANG: options.lang,
          SITHS_UPGRADE_CONFIG_DIR: join(options.home, 'config'),
          XDG_STATE_HOME: join(options.home, 'state'),
        },
      },
      (error, stdout, stderr) => {
        resolve({code: error ? ((error as {code?: number}).code ?? null) : 0, stdout, stderr});
      },
    );
    child.stdin?.end();
  });
}
