import {Box, Text} from 'ink';
import React from 'react';
import {useChoiceList} from './use-choice-list.js';
import {useScreenTheme} from './theme.js';

export interface ChoiceListOption {
  readonly label: string;
  /** Shown dimmed after the label. */
  readonly description?: string;
}

export interface ChoiceListProps {
  readonly options: readonly ChoiceListOption[];
  readonly isDisabled?: boolean;
  readonly onSubmit: (index: number) => void;
}

/** A numbered list to choose from with the arrows and Enter, or by number. */
export function ChoiceList({options, isDisabled, onSubmit}: ChoiceListProps): React.JSX.Element {
  const {styles, symbols} = useScreenTheme();
  const focusedIndex = useChoiceList({count: options.length, isDisabled, onSubmit});
  return (
    <Box flexDirection="column" aria-role="listbox">
      {options.map((option, index) => {
        const isFocused = index === focusedIndex;
        return (
          <Box key={index} gap={1} aria-role="option" aria-state={{selected: isFocused}}>
            <Text {...styles.focused}>{isFocused ? symbols.pointer : ' '}</Text>
            <Text {...(isFocused ? styles.focused : {})}>{`${index + 1}. ${option.label}`}</Text>
            {option.description !== undefined && <Text {...styles.muted}>{option.description}</Text>}
          </Box>
        );
      })}
    </Box>
  );
}
