import {Box, Text} from 'ink';
import React from 'react';
import {useCatalogue} from './i18n/catalogue-context.js';
import {usePanelWidth} from './paragraph.js';
import {choiceWindow} from './use-choice-list-state.js';
import {useChoiceList} from './use-choice-list.js';
import {wrapLines} from './use-terms-state.js';
import {useScreenTheme} from './theme.js';

export interface ChoiceListOption {
  readonly label: string;
  /** Shown dimmed after the label, or on the lines below it when both do not fit on one line. */
  readonly description?: string;
}

export interface ChoiceListProps {
  readonly options: readonly ChoiceListOption[];
  /**
   * The rows the list may take. A longer list shows a window around the focused choice, with a line above and
   * below that says how many choices are out of sight. Without it, every choice is shown.
   */
  readonly maxRows?: number;
  readonly isDisabled?: boolean;
  readonly onSubmit: (index: number) => void;
}

/** Columns before a choice's text: the pointer and the gap after it. */
const POINTER_COLUMNS = 2;

/** A choice's text as lines: number, label and description on one line when they fit, else the description below. */
function optionLines(
  option: ChoiceListOption,
  index: number,
  width: number,
): {label: string[]; description: string[]} {
  const label = `${index + 1}. ${option.label}`;
  if (option.description === undefined) return {label: wrapLines(label, width), description: []};
  if (label.length + 1 + option.description.length <= width)
    return {label: [label], description: [option.description]};
  const indent = ' '.repeat(`${index + 1}. `.length);
  return {
    label: wrapLines(label, width),
    description: wrapLines(option.description, width - indent.length).map((line) => `${indent}${line}`),
  };
}

/** A numbered list to choose from with the arrows and Enter, or by number; scrolls when longer than its rows. */
export function ChoiceList({options, maxRows, isDisabled, onSubmit}: ChoiceListProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  const width = Math.max(1, usePanelWidth() - POINTER_COLUMNS);
  const focusedIndex = useChoiceList({count: options.length, isDisabled, onSubmit});
  const lines = options.map((option, index) => optionLines(option, index, width));
  const window = choiceWindow(
    lines.map(({label, description}) =>
      label.length === 1 && description.length === 1 ? 1 : label.length + description.length,
    ),
    focusedIndex,
    maxRows ?? Number.POSITIVE_INFINITY,
  );
  const isWindowed = window.hiddenAbove + window.hiddenBelow > 0;
  return (
    <Box flexDirection="column" aria-role="listbox">
      {isWindowed && (
        <Text {...styles.muted}>
          {window.hiddenAbove === 0 ? ' ' : `  ${t.choiceList.moreAbove(window.hiddenAbove)}`}
        </Text>
      )}
      {lines.slice(window.start, window.end).map(({label, description}, offset) => {
        const index = window.start + offset;
        const isFocused = index === focusedIndex;
        const isOneLine = label.length === 1 && description.length === 1;
        return (
          <Box key={index} gap={1} flexShrink={0} aria-role="option" aria-state={{selected: isFocused}}>
            <Text {...styles.focused}>{isFocused ? symbols.pointer : ' '}</Text>
            {isOneLine ? (
              <>
                <Text {...(isFocused ? styles.focused : {})}>{label[0]}</Text>
                <Text {...styles.muted}>{description[0]}</Text>
              </>
            ) : (
              <Box flexDirection="column">
                <Text {...(isFocused ? styles.focused : {})}>{label.join('\n')}</Text>
                {description.length > 0 && <Text {...styles.muted}>{description.join('\n')}</Text>}
              </Box>
            )}
          </Box>
        );
      })}
      {isWindowed && (
        <Text {...styles.muted}>
          {window.hiddenBelow === 0 ? ' ' : `  ${t.choiceList.moreBelow(window.hiddenBelow)}`}
        </Text>
      )}
    </Box>
  );
}
