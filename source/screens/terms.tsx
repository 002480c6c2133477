import {Box, Text} from 'ink';
import React from 'react';
import {Step, type PlanItemView, type Terms as TermsText} from '../upgrade/state.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import type {PanelSize} from './frame.js';
import {useScreenTheme} from './theme.js';
import {wrapLines} from './use-terms-state.js';
import {useTerms} from './use-terms.js';

/** Rows of the terms panel besides the text: heading, version, position, reminder, tick box, button, notice. */
const FIXED_ROWS = 7;

export interface TermsProps {
  readonly terms: TermsText;
  readonly plan: readonly PlanItemView[];
  /** 2: remind of both PINs, as the staff instruction does. */
  readonly pinCount?: 1 | 2;
  readonly panel: PanelSize;
  readonly onAccept: () => void;
  readonly onCancel: () => void;
}

/** Step 5: the terms (scrollable), "Jag godkänner villkoren", and STARTA NEDLADDNING once ticked. */
export function Terms({terms, plan, pinCount = 1, panel, onAccept, onCancel}: TermsProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  const lines = wrapLines(terms.text, panel.width);
  // The PIN reminder wraps rather than losing its end (the two-PIN one is longer than a narrow panel).
  const reminder = wrapLines(pinCount === 2 ? t.terms.haveYourPins : t.terms.haveYourPin, panel.width);
  const visible = Math.max(3, panel.height - FIXED_ROWS - (reminder.length - 1));
  const {offset, isAccepted, isTickNeeded} = useTerms({total: lines.length, visible, onAccept, onCancel});
  const shown = lines.slice(offset, offset + visible);
  return (
    <Box flexDirection="column">
      <Text {...styles.heading} wrap="truncate-end">
        {t.steps[Step.AcceptTerms].title}
      </Text>
      <Text {...styles.muted} wrap="truncate-end">
        {`${t.terms.version(terms.version)}. ${t.terms.plan(plan.length)}`}
      </Text>
      <Box flexDirection="column" height={visible} flexShrink={0} aria-label={terms.text}>
        {shown.map((line, index) => (
          <Text key={offset + index}>{line.length === 0 ? ' ' : line}</Text>
        ))}
      </Box>
      <Text {...styles.muted}>
        {t.terms.position(lines.length === 0 ? 0 : offset + 1, offset + shown.length, lines.length)}
      </Text>
      {reminder.map((line) => (
        <Text key={line}>{line}</Text>
      ))}
      <Box gap={1} aria-role="checkbox" aria-state={{checked: isAccepted}}>
        <Text {...styles.emphasis}>{isAccepted ? symbols.ticked : symbols.unticked}</Text>
        <Text>{t.terms.accept}</Text>
      </Box>
      <Box aria-role="button" aria-state={{disabled: !isAccepted}}>
        <Text {...(isAccepted ? {...styles.focused, inverse: true} : styles.disabled)}>
          {`[ ${t.terms.startDownload} ]`}
        </Text>
      </Box>
      <Text {...styles.warning}>{isTickNeeded ? t.terms.tickFirst : ' '}</Text>
    </Box>
  );
}
