import {Box, Text} from 'ink';
import React from 'react';
import {bigRows, bigWidth} from './big-font.js';
import {useScreenTheme} from './theme.js';

export interface BigTextProps {
  /** The lines of big letters. */
  readonly lines: readonly string[];
  /** The same text as one line, for screen readers and for terminals too narrow for the big letters. */
  readonly plain: string;
  /** The columns available. */
  readonly width: number;
  /** Draw the plain line even if the big letters would fit the width (too few rows). */
  readonly isCompact?: boolean;
}

/** Rows one line of big letters takes. */
const BIG_LINE_ROWS = 3;

/** The rows `lines` take in big letters, with one blank row between lines. */
export function bigTextHeight(lines: readonly string[]): number {
  return lines.length * BIG_LINE_ROWS + Math.max(0, lines.length - 1);
}

/** Whether every line fits in `width` columns. */
export function fitsInWidth(lines: readonly string[], width: number): boolean {
  return lines.every((line) => bigWidth(line) <= width);
}

/** Text in big block letters, centred; the plain text when it does not fit. */
export function BigText({lines, plain, width, isCompact = false}: BigTextProps): React.JSX.Element {
  const {styles, symbols} = useScreenTheme();
  if (isCompact || !fitsInWidth(lines, width)) {
    return (
      <Box justifyContent="center" width={width}>
        <Text {...styles.bigWarning} inverse>
          {` ${plain} `}
        </Text>
      </Box>
    );
  }
  const cells = {full: symbols.bigFull, upper: symbols.bigUpper, lower: symbols.bigLower};
  return (
    <Box flexDirection="column" alignItems="center" width={width} gap={1} aria-label={plain}>
      {lines.map((line) => (
        <Box key={line} flexDirection="column" aria-hidden>
          {bigRows(line, cells).map((row, index) => (
            <Text key={index} {...styles.bigWarning}>
              {row}
            </Text>
          ))}
        </Box>
      ))}
    </Box>
  );
}
