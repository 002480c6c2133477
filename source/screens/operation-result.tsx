import {StatusMessage} from '@inkjs/ui';
import {Box, Text} from 'ink';
import React from 'react';
import type {OperationResult as Result, ServiceCertificateView} from '../upgrade/state.js';
import {CardFacts} from './card-overview.js';
import {CertificateLines} from './certificate-lines.js';
import {pinResultText} from './pin-texts.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {Paragraph} from './paragraph.js';
import {useScreenTheme} from './theme.js';

export interface OperationResultProps {
  readonly result: Result;
  readonly now: Date;
}

/** A service certificate as one line: purpose and identity, status, expiry, serial. */
function ServiceCertificateLine({
  certificate,
}: {
  readonly certificate: ServiceCertificateView;
}): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  return (
    <Box columnGap={1} flexWrap="wrap">
      <Text>{`${t.purposes[certificate.purpose]} (${t.identityKinds[certificate.identityKind]})`}</Text>
      <Text {...(certificate.status === 'valid' ? styles.success : styles.warning)}>
        {t.results.certificateStatus[certificate.status]}
      </Text>
      <Text {...styles.muted}>{t.overview.validUntil(t.formatDate(certificate.notAfter))}</Text>
      <Text {...styles.muted}>{t.results.serial(certificate.serial)}</Text>
    </Box>
  );
}

/** What a finished operation other than the upgrade reports; Enter returns to the menu. */
export function OperationResult({result, now}: OperationResultProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  switch (result.type) {
    case 'status':
      return (
        <Box flexDirection="column" gap={1}>
          <Text {...styles.heading}>{t.results.status}</Text>
          <CardFacts card={result.card} now={now} />
        </Box>
      );
    case 'certificates-listed':
      return (
        <Box flexDirection="column" gap={1}>
          <Text {...styles.heading}>{t.results.certificatesListed}</Text>
          {result.certificates.length === 0 ? (
            <Text>{t.results.noCertificates}</Text>
          ) : (
            <Box flexDirection="column">
              {result.certificates.map((certificate) => (
                <ServiceCertificateLine key={certificate.serial} certificate={certificate} />
              ))}
            </Box>
          )}
        </Box>
      );
    case 'e-id-tested':
      return (
        <Box flexDirection="column" gap={1}>
          <StatusMessage variant={result.isTrusted ? 'success' : 'warning'}>
            {t.results.eIdWorks(result.certificate.slotName)}
          </StatusMessage>
          <CertificateLines certificates={[result.certificate]} now={now} />
          {!result.isTrusted && <Paragraph {...styles.warning}>{t.results.eIdNotTrusted}</Paragraph>}
          {result.signature !== undefined && (
            <>
              <StatusMessage variant={result.signature.isTrusted ? 'success' : 'warning'}>
                {t.results.eIdSignatureWorks(result.signature.certificate.slotName)}
              </StatusMessage>
              <CertificateLines certificates={[result.signature.certificate]} now={now} />
              {!result.signature.isTrusted && (
                <Paragraph {...styles.warning}>{t.results.eIdNotTrusted}</Paragraph>
              )}
            </>
          )}
        </Box>
      );
    case 'pin-changed':
    case 'pin-unblocked':
      return <StatusMessage variant="success">{pinResultText(t, result)}</StatusMessage>;
    case 'certificates-refetched':
      return (
        <Box flexDirection="column" gap={1}>
          <StatusMessage variant="success">{t.results.refetched(result.certificates.length)}</StatusMessage>
          <CertificateLines certificates={result.certificates} now={now} />
        </Box>
      );
    case 'certificate-revoked':
      return <StatusMessage variant="success">{t.results.revoked(result.serial)}</StatusMessage>;
  }
}
