import {Box, Text} from 'ink';
import React, {type ReactNode} from 'react';
import {useCatalogue} from './i18n/catalogue-context.js';
import {ScreenInputGate} from './screen-input.js';
import {isBelowMinimum, MINIMUM_SIZE, type TerminalSize} from './terminal-size.js';

export interface SizeGateProps {
  readonly size: TerminalSize;
  /** The whole screen, drawn when the terminal is large enough. */
  readonly children: ReactNode;
}

/**
 * The full screen, or, in a terminal smaller than `MINIMUM_SIZE`, only a message asking for a larger window. The
 * screen stays mounted but hidden and its keys are off (`ScreenInputGate`), so what the user typed or chose is
 * kept and comes back as it was when the window grows; Ctrl+C and q are the app's own and still work.
 */
export function SizeGate({size, children}: SizeGateProps): React.JSX.Element {
  const isTooSmall = isBelowMinimum(size);
  return (
    <>
      {isTooSmall && <TooSmall size={size} />}
      <Box display={isTooSmall ? 'none' : 'flex'}>
        <ScreenInputGate isActive={!isTooSmall}>{children}</ScreenInputGate>
      </Box>
    </>
  );
}

/**
 * The message, wrapped to the width; one row less than the terminal, like the frame. Centred when it fits, else
 * from its first line (what does not fit is cut at the bottom).
 */
function TooSmall({size}: {readonly size: TerminalSize}): React.JSX.Element {
  const t = useCatalogue();
  const message = t.app.tooSmall(MINIMUM_SIZE, size);
  const width = Math.max(1, size.columns);
  const height = Math.max(1, size.rows - 1);
  const fits = wrappedLineCount(message, width) <= height;
  return (
    <Box
      width={width}
      height={height}
      justifyContent={fits ? 'center' : 'flex-start'}
      alignItems={fits ? 'center' : 'flex-start'}
      overflow="hidden"
    >
      <Text wrap="wrap">{message}</Text>
    </Box>
  );
}

/** The lines `text` takes wrapped at spaces to `width` columns (a longer word is broken), as Ink wraps it. */
export function wrappedLineCount(text: string, width: number): number {
  let lines = 1;
  let column = 0;
  for (const word of text.split(' ')) {
    const length = [...word].length;
    const needed = column === 0 ? length : column + 1 + length;
    if (needed <= width) column = needed;
    else {
      lines += column === 0 ? 0 : 1;
      lines += Math.max(0, Math.ceil(length / width) - 1);
      column = length % width || width;
    }
  }
  return lines;
}
