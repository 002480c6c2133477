import {Box, Text} from 'ink';
import React from 'react';
import type {ServiceCertificateView} from '../upgrade/state.js';
import {ChoiceList} from './choice-list.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {usePanelHeight} from './paragraph.js';
import {useScreenTheme} from './theme.js';
import {useScreenInput} from './screen-input.js';

/** Rows of the panel besides the list: the heading and the gap below it. */
const HEADING_ROWS = 2;

export interface CertificateChoiceProps {
  readonly certificates: readonly ServiceCertificateView[];
  readonly onChoose: (serial: string) => void;
  readonly onCancel: () => void;
}

/** Revoke: choose one of the person's valid certificates; Esc goes back. */
export function CertificateChoice({
  certificates,
  onChoose,
  onCancel,
}: CertificateChoiceProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  const panelHeight = usePanelHeight();
  useScreenInput((_input, key) => {
    if (key.escape) onCancel();
  });
  return (
    <Box flexDirection="column" gap={1}>
      <Text {...styles.heading}>{t.results.chooseCertificate}</Text>
      {certificates.length === 0 ? (
        <Text>{t.results.noCertificates}</Text>
      ) : (
        <ChoiceList
          maxRows={panelHeight - HEADING_ROWS}
          options={certificates.map((certificate) => ({
            label: `${t.purposes[certificate.purpose]} (${t.identityKinds[certificate.identityKind]})`,
            description: `${t.overview.validUntil(t.formatDate(certificate.notAfter))}, ${t.results.serial(certificate.serial)}`,
          }))}
          onSubmit={(index) => {
            const certificate = certificates[index];
            if (certificate !== undefined) onChoose(certificate.serial);
          }}
        />
      )}
    </Box>
  );
}
