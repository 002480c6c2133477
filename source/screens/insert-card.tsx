import {Spinner} from '@inkjs/ui';
import {Box, Text} from 'ink';
import React from 'react';
import type {ReaderView} from '../upgrade/state.js';
import {ChoiceList} from './choice-list.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {Paragraph} from './paragraph.js';
import {useScreenTheme} from './theme.js';

export interface InsertCardProps {
  readonly readers: readonly ReaderView[];
  /** Whether `readers` is a listing: before the first, nothing is said about readers. */
  readonly isListed: boolean;
  readonly isChoosingReader: boolean;
  /** The reader asked for, when none has its name. */
  readonly missingReader?: string;
  readonly isReading: boolean;
  readonly readerName?: string;
  readonly onChooseReader: (name: string) => void;
}

/** Step 2: the live list of readers, a choice when several hold a card, then reading the card. */
export function InsertCard({
  readers,
  isListed,
  isChoosingReader,
  missingReader,
  isReading,
  readerName,
  onChooseReader,
}: InsertCardProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  if (isReading) {
    return (
      <Box flexDirection="column" gap={1}>
        <Text {...styles.heading}>{t.insertCard.instruction}</Text>
        {readerName !== undefined && <Text {...styles.muted}>{t.header.reader(readerName)}</Text>}
        <Spinner type={symbols.spinner} label={t.insertCard.reading} />
      </Box>
    );
  }
  const withCard = readers.filter((reader) => reader.hasCard);
  return (
    <Box flexDirection="column" gap={1}>
      <Text {...styles.heading}>{t.insertCard.instruction}</Text>
      {missingReader !== undefined && (
        <Paragraph {...styles.warning}>
          {t.insertCard.readerMissing(missingReader, readers.map((reader) => reader.name).join(', '))}
        </Paragraph>
      )}
      {!isListed ? undefined : readers.length === 0 ? (
        <Paragraph {...styles.warning}>{t.insertCard.noReaders}</Paragraph>
      ) : isChoosingReader ? (
        <Box flexDirection="column">
          <Paragraph>{t.insertCard.chooseReader}</Paragraph>
          <ChoiceList
            options={withCard.map((reader) => ({label: reader.name}))}
            onSubmit={(index) => {
              const reader = withCard[index];
              if (reader !== undefined) onChooseReader(reader.name);
            }}
          />
        </Box>
      ) : (
        <Box flexDirection="column">
          <Text>{t.insertCard.readers}</Text>
          {readers.map((reader) => (
            <Box key={reader.name} gap={1}>
              <Text>{symbols.bullet}</Text>
              <Text wrap="truncate-middle">{reader.name}</Text>
              <Text {...(reader.hasCard ? styles.success : styles.muted)}>
                {`(${reader.hasCard ? t.insertCard.hasCard : t.insertCard.noCard})`}
              </Text>
            </Box>
          ))}
        </Box>
      )}
    </Box>
  );
}
