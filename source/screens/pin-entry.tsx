import {Box, Text} from 'ink';
import React from 'react';
import type {PinRequest} from '../upgrade/state.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {PinInput} from './pin-input.js';
import {Paragraph} from './paragraph.js';
import {pinPrompt} from './pin-texts.js';
import {useScreenTheme} from './theme.js';
import {usePinEntry} from './use-pin-entry.js';
import {useScreenInput} from './screen-input.js';

export interface PinEntryProps {
  readonly request: PinRequest;
  /** 1: one PIN for login and signature (PIV), said on screen; 2: separate PINs. */
  readonly pinCount: 1 | 2;
  readonly onSubmit: (pin: Uint8Array) => void;
  readonly onConfirmLastTry: () => void;
  readonly onCancel: () => void;
}

/** Step 3 (and the PIN operations): the masked code, the tries left, a confirmation before the last try. */
export function PinEntry({
  request,
  pinCount,
  onSubmit,
  onConfirmLastTry,
  onCancel,
}: PinEntryProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  const {phase, notice, submit} = usePinEntry({reason: request.reason, onSubmit});
  const mustConfirm = request.isLastTry && !request.isLastTryConfirmed;
  useScreenInput((_input, key) => {
    if (key.escape) onCancel();
    else if (key.return && mustConfirm) onConfirmLastTry();
  });
  const prompt = pinPrompt(t, request);
  const label = phase === 'repeat' ? t.pin.repeatNewPin : prompt;
  return (
    <Box flexDirection="column" gap={1}>
      <Text {...styles.heading}>{prompt}</Text>
      {request.reason === 'login' && <Paragraph>{pinCount === 1 ? t.pin.onePin : t.pin.twoPins}</Paragraph>}
      {request.reason === 'signature' && <Paragraph>{t.pin.signatureWhy}</Paragraph>}
      {request.reason === 'new-pin' && <Paragraph>{t.pin.newPinRule}</Paragraph>}
      {request.wasRejected && (
        <Paragraph {...styles.danger}>
          {request.rejection === 'bad-format' ? t.pin.badFormat : t.pin.wrongCode}
        </Paragraph>
      )}
      {notice !== undefined && (
        <Paragraph {...styles.warning}>
          {notice === 'differ' ? t.pin.newPinsDiffer : t.pin.newPinRule}
        </Paragraph>
      )}
      {request.triesLeft !== undefined && (
        <Text {...(request.isLastTry ? styles.danger : styles.muted)}>
          {t.pin.triesLeft(request.triesLeft)}
        </Text>
      )}
      {mustConfirm && (
        <Paragraph {...styles.danger}>
          {request.reason === 'puk' ? t.pin.lastPukTry : t.pin.lastTry}
        </Paragraph>
      )}
      {request.isLastTry && request.isLastTryConfirmed && (
        <Paragraph {...styles.warning}>{t.pin.lastTryConfirmed}</Paragraph>
      )}
      <PinInput key={phase} label={label} isDisabled={mustConfirm} onSubmit={submit} />
    </Box>
  );
}
