import {Box, Text} from 'ink';
import React from 'react';
import type {CertificateView} from '../upgrade/state.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {usePanelWidth} from './paragraph.js';
import {useScreenTheme} from './theme.js';

export interface CertificateLinesProps {
  readonly certificates: readonly CertificateView[];
  readonly now: Date;
  /** Say for each whether it is from the new issuer. */
  readonly isAgeShown?: boolean;
}

/** One entry per certificate: slot, purpose and identity, expiry, new or old; one row when it fits, else two. */
export function CertificateLines({
  certificates,
  now,
  isAgeShown = true,
}: CertificateLinesProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  const width = usePanelWidth();
  const entries = certificates.map((certificate) => {
    const date = t.formatDate(certificate.notAfter);
    const isExpired = certificate.notAfter.getTime() <= now.getTime();
    return {
      certificate,
      what: `${t.purposes[certificate.purpose]} (${t.identityKinds[certificate.identityKind]})`,
      expiry: isExpired ? t.overview.expired(date) : t.overview.validUntil(date),
      isExpired,
      age: isAgeShown ? (certificate.isNew ? t.overview.isNew : t.overview.isOld) : '',
    };
  });
  const whatWidth = Math.max(0, ...entries.map((entry) => entry.what.length));
  const expiryWidth = Math.max(0, ...entries.map((entry) => entry.expiry.length));
  const ageWidth = Math.max(0, ...entries.map((entry) => entry.age.length));
  const isOneRow = 3 + whatWidth + 2 + expiryWidth + 2 + ageWidth <= width;
  return (
    <Box flexDirection="column">
      {entries.map(({certificate, what, expiry, isExpired, age}) => (
        <Box key={`${certificate.slot}-${certificate.serial}`} flexDirection={isOneRow ? 'row' : 'column'}>
          <Box>
            <Text {...styles.emphasis}>{certificate.slotName.padEnd(3)}</Text>
            <Text>{isOneRow ? what.padEnd(whatWidth + 2) : what}</Text>
          </Box>
          <Box paddingLeft={isOneRow ? 0 : 3}>
            <Text {...(isExpired ? styles.danger : styles.muted)}>{expiry.padEnd(expiryWidth + 2)}</Text>
            {age !== '' && <Text {...(certificate.isNew ? styles.success : styles.warning)}>{age}</Text>}
          </Box>
        </Box>
      ))}
    </Box>
  );
}
