import {Box, Text} from 'ink';
import React from 'react';
import type {PinRole} from '../upgrade/ports.js';
import type {PinChoice as Choice} from '../upgrade/state.js';
import {ChoiceList} from './choice-list.js';
import {pinChoiceLabels} from './pin-texts.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {useScreenTheme} from './theme.js';
import {useScreenInput} from './screen-input.js';

export interface PinChoiceProps {
  readonly operation: 'change-pin' | 'unblock-pin';
  readonly choices: readonly Choice[];
  readonly onChoose: (role: PinRole) => void;
  readonly onCancel: () => void;
}

/** A card with two PINs: which PIN to change or unblock, with each one's tries left; Esc goes back. */
export function PinChoice({operation, choices, onChoose, onCancel}: PinChoiceProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  useScreenInput((_input, key) => {
    if (key.escape) onCancel();
  });
  return (
    <Box flexDirection="column" gap={1}>
      <Text {...styles.heading}>{t.pin.choosePin[operation]}</Text>
      <ChoiceList
        options={pinChoiceLabels(t, choices).map((label) => ({label}))}
        onSubmit={(index) => {
          const choice = choices[index];
          if (choice !== undefined) onChoose(choice.role);
        }}
      />
    </Box>
  );
}
