import {Box, Text} from 'ink';
import React from 'react';
import type {KeyName} from './i18n/catalogue.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {useScreenTheme} from './theme.js';

export interface FooterProps {
  readonly keys: readonly KeyName[];
}

/**
 * The bottom line: the keys that work on this screen. It takes its row when there are none too, so that the rule
 * above it stays where it is from screen to screen (and is not drawn again).
 */
export function Footer({keys}: FooterProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  return (
    <Box
      flexShrink={0}
      minHeight={2}
      columnGap={2}
      flexWrap="wrap"
      borderStyle={symbols.borderStyle}
      borderBottom={false}
      borderLeft={false}
      borderRight={false}
      {...styles.border}
    >
      {keys.map((name) => (
        <Box key={name} gap={1}>
          <Text {...styles.key}>{(name === 'move' ? symbols.arrowKeys : undefined) ?? t.keys[name].key}</Text>
          <Text>{t.keys[name].label}</Text>
        </Box>
      ))}
    </Box>
  );
}
