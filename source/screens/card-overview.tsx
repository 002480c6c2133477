import {Box, Text} from 'ink';
import React from 'react';
import {cardVerdict, type CardOverview as Overview} from '../upgrade/state.js';
import {CertificateLines} from './certificate-lines.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {Paragraph} from './paragraph.js';
import {pinStateLines} from './pin-texts.js';
import {useScreenTheme} from './theme.js';
import {useScreenInput} from './screen-input.js';

export interface CardFactsProps {
  readonly card: Overview;
  readonly now: Date;
}

/** The holder, HSA-id, card number, the certificates with their expiry, whether the card is upgraded. */
export function CardFacts({card, now}: CardFactsProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  const fields: [string, string | undefined][] = [
    [t.overview.holder, card.holder],
    [t.overview.hsaId, card.hsaId],
    [t.overview.cardNumber, card.cardNumber],
  ];
  const labelWidth = Math.max(...fields.map(([label]) => label.length)) + 1;
  const verdict = cardVerdict(card);
  return (
    <Box flexDirection="column" gap={card.certificates.length > 4 ? 0 : 1}>
      <Box flexDirection="column">
        {fields.map(([label, value]) => (
          <Box key={label} gap={1}>
            <Text {...styles.muted}>{`${label}:`.padEnd(labelWidth)}</Text>
            <Text>{value ?? t.overview.unknown}</Text>
          </Box>
        ))}
      </Box>
      <Box flexDirection="column">
        <Text>{card.certificates.length === 0 ? t.overview.noCertificates : t.overview.certificates}</Text>
        <CertificateLines certificates={card.certificates} now={now} />
      </Box>
      <Paragraph
        {...(verdict === 'upgraded'
          ? styles.success
          : verdict === 'needs-upgrade'
            ? styles.emphasis
            : styles.danger)}
      >
        {t.overview.verdicts[verdict]}
      </Paragraph>
      <Box flexDirection="column">
        {pinStateLines(t, card).map((line, index) =>
          isBlockedLine(card, index) ? (
            <Paragraph key={line} {...styles.danger}>
              {line}
            </Paragraph>
          ) : (
            <Text key={line} {...styles.muted}>
              {line}
            </Text>
          ),
        )}
      </Box>
    </Box>
  );
}

/** Whether the `index`th line of pinStateLines tells a blocked PIN (authentication first, then signature). */
function isBlockedLine(card: Overview, index: number): boolean {
  return (index === 0 ? card.pinTriesLeft : card.signaturePinTriesLeft) === 0;
}

export interface CardOverviewProps extends CardFactsProps {
  /** Enter: log in, or unblock when the PIN is blocked. */
  readonly onContinue: () => void;
}

/** After step 2: what is on the card; Enter logs in (step 3). */
export function CardOverview({card, now, onContinue}: CardOverviewProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  useScreenInput((_input, key) => {
    if (key.return) onContinue();
  });
  return (
    <Box flexDirection="column" gap={1}>
      <Text {...styles.heading}>{t.overview.heading}</Text>
      <CardFacts card={card} now={now} />
    </Box>
  );
}
