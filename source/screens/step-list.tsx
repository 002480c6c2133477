import {Box, Text} from 'ink';
import React from 'react';
import {Step} from '../upgrade/state.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {useScreenTheme} from './theme.js';

/** The ten steps, in order. */
export const STEPS: readonly Step[] = [
  Step.PrepareCodes,
  Step.InsertCard,
  Step.LogIn,
  Step.ChooseOperation,
  Step.AcceptTerms,
  Step.DownloadStarted,
  Step.GenerateRequests,
  Step.FetchAndInstall,
  Step.DeleteOld,
  Step.Done,
];

/** Where a step stands against the current one. */
type StepMark = 'done' | 'current' | 'pending' | 'failed';

/** The mark of `step` when `current` is the current step. At Done every step is done. */
function markOf(step: Step, current: Step, isFailed: boolean): StepMark {
  if (step < current || (current === Step.Done && !isFailed)) return 'done';
  if (step === current) return isFailed ? 'failed' : 'current';
  return 'pending';
}

export interface StepListProps {
  readonly current: Step;
  readonly isFailed: boolean;
}

/** The ten numbered steps staff know, always visible, each marked done, current or pending. */
export function StepList({current, isFailed}: StepListProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  const markSymbol = {
    done: symbols.stepDone,
    current: symbols.stepCurrent,
    pending: symbols.stepPending,
    failed: symbols.stepFailed,
  } as const;
  const markStyle = {
    done: styles.stepDone,
    current: styles.stepCurrent,
    pending: styles.stepPending,
    failed: styles.stepFailed,
  } as const;
  const markWord = {...t.stepMarks, failed: t.header.cardStatus.failed} as const;
  return (
    <Box flexDirection="column" aria-role="list">
      {STEPS.map((step) => {
        const mark = markOf(step, current, isFailed);
        return (
          <Box
            key={step}
            gap={1}
            aria-role="listitem"
            aria-label={`${step}. ${t.steps[step].title}: ${markWord[mark]}`}
          >
            <Text {...markStyle[mark]}>{markSymbol[mark]}</Text>
            <Text {...markStyle[mark]} wrap="truncate-end">
              {`${String(step).padStart(2)} ${t.steps[step].short}`}
            </Text>
          </Box>
        );
      })}
    </Box>
  );
}
