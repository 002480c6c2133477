import {Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import React from 'react';
import {useScreenTheme} from './theme.js';

export interface WorkingProps {
  readonly heading?: string;
  readonly label: string;
}

/** Something is happening that needs no answer: a spinner and what it is. */
export function Working({heading, label}: WorkingProps): React.JSX.Element {
  const {styles, symbols} = useScreenTheme();
  return (
    <Box flexDirection="column" gap={1}>
      {heading !== undefined && <Text {...styles.heading}>{heading}</Text>}
      <Spinner type={symbols.spinner} label={label} />
    </Box>
  );
}
