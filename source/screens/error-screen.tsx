import {Box, Text} from 'ink';
import React from 'react';
import type {EngineError, WayForward} from '../upgrade/errors.js';
import type {Operation} from '../upgrade/state.js';
import {errorText} from './error-text.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {Paragraph} from './paragraph.js';
import {useScreenTheme} from './theme.js';
import {useScreenInput} from './screen-input.js';

export interface ErrorScreenProps {
  readonly error: EngineError;
  readonly wayForward: WayForward;
  readonly canRetry: boolean;
  /** The operation that failed; during an upgrade the screen says the card stays usable. */
  readonly operation?: Operation;
  readonly onRetry: () => void;
}

/** Any error the engine reports: what happened and, always, the way forward; r tries again when possible. */
export function ErrorScreen({
  error,
  wayForward,
  canRetry,
  operation,
  onRetry,
}: ErrorScreenProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  useScreenInput((input) => {
    if (canRetry && input === 'r') onRetry();
  });
  const {title, detail} = errorText(t, error);
  return (
    <Box flexDirection="column" gap={1}>
      <Box gap={1}>
        <Text {...styles.danger}>{symbols.stepFailed}</Text>
        <Paragraph {...styles.danger} indent={2}>
          {title}
        </Paragraph>
      </Box>
      <Paragraph>{detail}</Paragraph>
      <Box flexDirection="column">
        <Text {...styles.heading}>{t.errorScreen.wayForward}</Text>
        <Paragraph {...styles.emphasis}>{t.wayForward[wayForward]}</Paragraph>
      </Box>
      {operation === 'upgrade' && <Paragraph {...styles.muted}>{t.errorScreen.safe}</Paragraph>}
    </Box>
  );
}
