import {earlyAnswer} from './cli/early-answer.js';
import {drawRememberedFrame} from './cli/first-frame.js';
import {keepSessionHeapSmall} from './cli/session-heap.js';

/**
 * The entry. `--help` and `--version` are answered here from small modules (source/cli/early-answer.ts), without
 * loading the app. For everything else the first frame of the full screen is drawn here when it is remembered from
 * an earlier start (source/cli/first-frame.ts), the terminal session's V8 heap is kept small
 * (source/cli/session-heap.ts), then source/main.tsx is loaded (Ink, React, the catalogues, the
 * engine), which owns the process from then on.
 */
const argv = process.argv.slice(2);
const answer = earlyAnswer(argv, process.env);
if (answer === undefined) {
  drawRememberedFrame(argv, process.env, process.stdout, process.stdin);
  keepSessionHeapSmall(argv);
  await import('./main.js');
} else {
  process.stdout.write(`${answer}\n`);
}
