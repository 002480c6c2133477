import {runSimulate, type SimulateOptions} from '../../../source/card/virtual/simulate.js';

/**
 * A process that runs the simulation as `siths-upgrade simulate` does, with the options in argv[2] (JSON) and no
 * abort signal, so SIGINT and SIGTERM stop it: for tests of what a real process does on those signals.
 */
try {
  await runSimulate(JSON.parse(process.argv[2] ?? '{}') as SimulateOptions, {
    stdout: process.stdout,
    stderr: process.stderr,
  });
} catch (error) {
  process.stderr.write(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
  process.exitCode = 1;
}
