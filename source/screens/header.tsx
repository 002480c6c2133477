import {Box, Text} from 'ink';
import React from 'react';
import type {CardStatus} from './i18n/catalogue.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {useScreenTheme} from './theme.js';

export interface HeaderProps {
  readonly readerName?: string;
  readonly cardStatus: CardStatus;
  readonly isDemo: boolean;
}

/**
 * The top line: the title, then the reader and the card's state; a rule below. The state is right-aligned in
 * the width of its longest wording, so the reader's name stays where it is when the state changes (and is not
 * drawn again).
 */
export function Header({readerName, cardStatus, isDemo}: HeaderProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  const statusWidth = Math.max(...Object.values(t.header.cardStatus).map((wording) => [...wording].length));
  return (
    <Box
      flexShrink={0}
      justifyContent="space-between"
      gap={2}
      borderStyle={symbols.borderStyle}
      borderTop={false}
      borderLeft={false}
      borderRight={false}
      {...styles.border}
    >
      <Box gap={1} flexShrink={1}>
        <Text {...styles.title} wrap="truncate-end">
          {t.app.title}
        </Text>
        {isDemo && <Text {...styles.demo}>{` ${t.app.demo} `}</Text>}
      </Box>
      <Box gap={2} flexShrink={1}>
        <Text wrap="truncate-middle" {...styles.muted}>
          {readerName === undefined ? t.header.noReaderChosen : t.header.reader(readerName)}
        </Text>
        <Box flexShrink={0} minWidth={statusWidth} justifyContent="flex-end">
          <Text
            {...(cardStatus === 'failed'
              ? styles.danger
              : cardStatus === 'busy'
                ? styles.warning
                : styles.emphasis)}
          >
            {t.header.cardStatus[cardStatus]}
          </Text>
        </Box>
      </Box>
    </Box>
  );
}
