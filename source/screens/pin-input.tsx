import {Box, Text} from 'ink';
import React from 'react';
import {useCatalogue} from './i18n/catalogue-context.js';
import {useScreenTheme} from './theme.js';
import {usePinInput} from './use-pin-input.js';

export interface PinInputProps {
  readonly label: string;
  readonly isDisabled?: boolean;
  readonly onSubmit: (pin: Uint8Array) => void;
}

/** A masked field for a PIN or PUK: one mark per digit typed, digits only. */
export function PinInput({label, isDisabled = false, onSubmit}: PinInputProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  const {length, notice} = usePinInput({isDisabled, onSubmit});
  return (
    <Box flexDirection="column">
      <Box gap={1} aria-role="textbox" aria-label={label}>
        <Text {...styles.heading}>{`${label}:`}</Text>
        <Text {...(isDisabled ? styles.disabled : styles.emphasis)}>
          {symbols.mask.repeat(length)}
          {isDisabled ? '' : symbols.cursor}
        </Text>
      </Box>
      {notice === 'digits-only' && <Text {...styles.warning}>{t.pin.digitsOnly}</Text>}
    </Box>
  );
}
