import {Box, Text} from 'ink';
import React from 'react';
import type {CertificateView} from '../upgrade/state.js';
import {CertificateLines} from './certificate-lines.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {Paragraph} from './paragraph.js';
import {useScreenTheme} from './theme.js';

export interface DoneProps {
  readonly installed: readonly CertificateView[];
  readonly now: Date;
}

/** Step 10: the new certificates, and that the card may be removed. */
export function Done({installed, now}: DoneProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  return (
    <Box flexDirection="column" gap={1}>
      <Paragraph {...styles.success} bold>
        {t.done.heading}
      </Paragraph>
      {installed.length > 0 && (
        <Box flexDirection="column">
          <Text>{t.done.newCertificates}</Text>
          <CertificateLines certificates={installed} now={now} isAgeShown={false} />
        </Box>
      )}
      <Paragraph {...styles.emphasis}>{t.done.removeCard}</Paragraph>
    </Box>
  );
}
