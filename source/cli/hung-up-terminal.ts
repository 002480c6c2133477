import {closeSync, writeSync} from 'node:fs';
import {isatty} from 'node:tty';

/** The standard descriptors that are a terminal when the process starts. */
const TERMINAL_DESCRIPTORS = [0, 1, 2].filter((descriptor) => isatty(descriptor));

/**
 * Lets the process exit with its own code after its terminal went away (an SSH session dropped, a laptop lid
 * closed, a pty closed under it). Node 20 restores each standard descriptor's terminal modes as it exits
 * (node::ResetStdio) and aborts when that fails, which it does with EIO on a hung-up terminal: the process then
 * dies with SIGABRT instead of exiting 129. Node skips a descriptor that is closed, so once the terminal answers
 * EIO, its descriptors are closed: there is nothing left on it to restore.
 */
export function releaseHungUpTerminal(): void {
  if (!isTerminalHungUp()) return;
  for (const descriptor of TERMINAL_DESCRIPTORS) {
    try {
      closeSync(descriptor);
    } catch {
      // Already closed.
    }
  }
}

/**
 * Whether the terminal the process started on has gone away. Ink and the streams then fail on it (setRawMode EIO)
 * before the SIGHUP arrives: those failures are the hang-up, not a fault of the tool.
 */
export function isTerminalHungUp(): boolean {
  return TERMINAL_DESCRIPTORS.some(isHungUp);
}

/** Whether writing to `descriptor` fails as it does on a terminal that has hung up (an empty write sends nothing). */
function isHungUp(descriptor: number): boolean {
  try {
    writeSync(descriptor, '');
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EIO';
  }
}
