import {Box, Text} from 'ink';
import React from 'react';
import {useCatalogue} from './i18n/catalogue-context.js';
import {Paragraph} from './paragraph.js';
import {useScreenTheme} from './theme.js';
import {useScreenInput} from './screen-input.js';

/** The codes of the demo's virtual card, shown on the first screen in demo mode. */
export interface DemoCodes {
  /** The PIN (a card with two: the Legitimering PIN). */
  readonly pin: string;
  /** The Underskrift PIN of a card with two. */
  readonly signaturePin?: string;
  readonly puk: string;
}

export interface WelcomeProps {
  readonly demo?: DemoCodes;
  readonly onContinue: () => void;
}

/** Step 1: what you need (the card, both PIN codes), how long it takes; the demo PIN in demo mode. */
export function Welcome({demo, onContinue}: WelcomeProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  useScreenInput((_input, key) => {
    if (key.return) onContinue();
  });
  return (
    <Box flexDirection="column" gap={1}>
      <Paragraph {...styles.heading}>{t.welcome.heading}</Paragraph>
      <Box flexDirection="column">
        <Text>{t.welcome.youNeed}</Text>
        {[t.welcome.needCard, t.welcome.needPins].map((need) => (
          <Box key={need} gap={1}>
            <Text>{symbols.bullet}</Text>
            <Paragraph indent={2}>{need}</Paragraph>
          </Box>
        ))}
      </Box>
      <Paragraph>{`${t.welcome.pinsWhere} ${t.welcome.duration}`}</Paragraph>
      <Paragraph {...styles.muted}>{t.welcome.noPins}</Paragraph>
      {demo !== undefined && (
        <Box flexDirection="column">
          <Paragraph {...styles.emphasis}>{t.welcome.demo}</Paragraph>
          {demo.signaturePin === undefined ? (
            <Box gap={2}>
              <Text {...styles.demo}>{` ${t.welcome.demoPin(demo.pin)} `}</Text>
              <Text {...styles.muted}>{t.welcome.demoPuk(demo.puk)}</Text>
            </Box>
          ) : (
            <Box flexDirection="column">
              <Text {...styles.demo}>{` ${t.welcome.demoAuthenticationPin(demo.pin)} `}</Text>
              <Text {...styles.demo}>{` ${t.welcome.demoSignaturePin(demo.signaturePin)} `}</Text>
              <Text {...styles.muted}>{t.welcome.demoPuk(demo.puk)}</Text>
            </Box>
          )}
        </Box>
      )}
    </Box>
  );
}
