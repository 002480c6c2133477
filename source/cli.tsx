import {earlyAnswer} from './cli/early-answer.js';

/**
 * The entry. `--help` and `--version` are answered here from small modules (source/cli/early-answer.ts), without
 * loading the app; everything else loads source/main.tsx (Ink, React, the catalogues, the engine), which owns the
 * process from then on.
 */
const answer = earlyAnswer(process.argv.slice(2), process.env);
if (answer === undefined) {
  await import('./main.js');
} else {
  process.stdout.write(`${answer}\n`);
}
