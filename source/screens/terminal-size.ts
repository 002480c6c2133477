import {useStdout} from 'ink';
import {useCallback, useSyncExternalStore} from 'react';

/** The terminal's size in character cells. */
export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/**
 * The smallest terminal the layout is made for (issue 7: works at 80x24 and larger). Below it, in columns or rows,
 * the full-screen app shows only a message asking for a larger window (`SizeGate`).
 */
export const MINIMUM_SIZE: TerminalSize = {columns: 80, rows: 24};

/** Whether the terminal is narrower or lower than `MINIMUM_SIZE`. */
export function isBelowMinimum(size: TerminalSize): boolean {
  return size.columns < MINIMUM_SIZE.columns || size.rows < MINIMUM_SIZE.rows;
}

/** The terminal's size, re-read on every resize so the layout follows it. */
export function useTerminalSize(): TerminalSize {
  const {stdout} = useStdout();
  const subscribe = useCallback(
    (onResize: () => void) => {
      stdout.on('resize', onResize);
      return () => {
        stdout.off('resize', onResize);
      };
    },
    [stdout],
  );
  const columns = useSyncExternalStore(subscribe, () => stdout.columns || MINIMUM_SIZE.columns);
  const rows = useSyncExternalStore(subscribe, () => stdout.rows || MINIMUM_SIZE.rows);
  return {columns, rows};
}
