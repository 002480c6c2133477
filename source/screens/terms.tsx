import {Box, Text} from 'ink';
import React from 'react';
import {Step, type KeyPreparationView, type PlanItemView, type Terms as TermsText} from '../upgrade/state.js';
import type {Catalogue} from './i18n/catalogue.js';
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
  /** The card's preparation while the terms are read, told on the notice row when nothing else is. */
  readonly preparation?: KeyPreparationView;
  readonly onAccept: () => void;
  readonly onCancel: () => void;
}

/** Step 5: the terms (scrollable), "Jag godkänner villkoren", and STARTA NEDLADDNING once ticked. */
export function Terms({
  terms,
  plan,
  pinCount = 1,
  panel,
  preparation,
  onAccept,
  onCancel,
}: TermsProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  const lines = wrapLines(terms.text, panel.width);
  // The PIN reminder wraps rather than losing its end (the two-PIN one is longer than a narrow panel).
  const reminder = wrapLines(pinCount === 2 ? t.terms.haveYourPins : t.terms.haveYourPin, panel.width);
  // The notice row wraps too, and keeps the same rows throughout (the text above does not jump).
  const notice = noticeOf(t, preparation, plan.length);
  const noticeRows = Math.max(...notice.candidates.map((text) => wrapLines(text, panel.width).length));
  const visible = Math.max(3, panel.height - FIXED_ROWS - (reminder.length - 1) - (noticeRows - 1));
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
      <Box flexDirection="column" height={noticeRows} flexShrink={0}>
        {isTickNeeded ? (
          <Text {...styles.warning}>{t.terms.tickFirst}</Text>
        ) : (
          <Text {...styles.muted}>{notice.text}</Text>
        )}
      </Box>
    </Box>
  );
}

/**
 * What the notice row says of the card's preparation (nothing once it stopped early: the download does it), and
 * everything it may say while the terms are shown (at most a key per plan item), for the rows it keeps from the
 * start.
 */
function noticeOf(
  t: Catalogue,
  preparation: KeyPreparationView | undefined,
  planLength: number,
): {readonly text: string; readonly candidates: readonly string[]} {
  const candidates = [
    t.terms.tickFirst,
    t.terms.preparing(planLength, planLength),
    t.terms.prepared(planLength),
  ];
  if (preparation === undefined || preparation.isInterrupted || preparation.total === 0)
    return {text: ' ', candidates};
  const {done, total} = preparation;
  return {text: done === total ? t.terms.prepared(total) : t.terms.preparing(done, total), candidates};
}
