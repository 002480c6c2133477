import {setFlagsFromString} from 'node:v8';
import {isTerminalSession} from './arguments.js';

/**
 * V8's heap and compilers, as the terminal session (`run`: the TUI and its plain mode) needs them: a process that
 * a thin-client server runs once per ward session, for the minutes of an upgrade. V8's defaults are made for
 * throughput:
 * - The young generation grows from two semi-spaces of 1 MB to two of 16 MB under garbage, and drawing frames
 *   makes much short-lived garbage. Here it keeps its first size (`--semi-space-growth-factor=1`); it is then
 *   collected more often, each time in well under a millisecond. It is set before the app loads: once grown, the
 *   young generation does not shrink again.
 * - Objects that outlive a small young generation reach the old one sooner, and V8 lets the old generation grow
 *   to up to four times what was live after the last full collection before it collects again. Here 1.25 times
 *   (`--heap-growing-percent=25`).
 * - V8 compiles hot functions again with its optimising compiler (TurboFan), whose code and working memory stay
 *   resident. The session waits on the card, the service and the person, and its hot code (drawing a frame) runs
 *   well in V8's interpreter and baseline compiler; without TurboFan (`--no-opt`) a whole demo upgrade took less
 *   CPU time, not more (5.1 s against 5.6 s).
 * Measured on the demo's whole upgrade (`npm run bench` part 4): peak RSS 134-151 MiB with V8's defaults, 102-105
 * MiB with the first two, about 95 with all three. Other commands (the service above all, under many requests)
 * keep V8's defaults.
 */
export function keepSessionHeapSmall(argv: readonly string[]): void {
  if (isTerminalSession(argv))
    setFlagsFromString('--semi-space-growth-factor=1 --heap-growing-percent=25 --no-opt');
}
