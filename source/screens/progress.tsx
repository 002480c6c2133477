import {ProgressBar} from '@inkjs/ui';
import {Box, Text} from 'ink';
import React from 'react';
import type {PlanItemView, Progress as ProgressView, Step} from '../upgrade/state.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {Paragraph} from './paragraph.js';
import {useScreenTheme} from './theme.js';

/**
 * Whether the time left can be told: not while the card generates an RSA key (its duration cannot be predicted),
 * nor before anything was measured (an estimate of zero at zero per cent).
 */
export function isTimeLeftKnown(progress: ProgressView): boolean {
  return !progress.isIndeterminate && !(progress.fraction === 0 && progress.estimatedRemainingMs === 0);
}

export interface ProgressProps {
  readonly step: Step;
  readonly progress: ProgressView;
  readonly plan: readonly PlanItemView[];
  readonly installedCount: number;
  readonly isCancelling: boolean;
}

/**
 * Steps 6 to 9: a live progress bar, elapsed and estimated time left, the certificate being worked on. Times are
 * shown in whole seconds so most progress ticks change nothing on screen and send nothing to the terminal.
 */
export function Progress({
  step,
  progress,
  plan,
  installedCount,
  isCancelling,
}: ProgressProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles} = useScreenTheme();
  const percent = Math.round(Math.min(1, Math.max(0, progress.fraction)) * 100);
  const item = progress.currentItem;
  return (
    <Box flexDirection="column" gap={1}>
      <Text {...styles.heading}>{t.steps[step].title}</Text>
      <Box gap={1} aria-role="progressbar" aria-label={`${percent} %`}>
        <ProgressBar value={percent} />
        <Text>{`${String(percent).padStart(3)} %`}</Text>
      </Box>
      <Box columnGap={3} flexWrap="wrap">
        <Text>{t.progress.elapsed(t.formatDuration(progress.elapsedMs))}</Text>
        <Text>
          {isTimeLeftKnown(progress)
            ? t.progress.remaining(t.formatDuration(progress.estimatedRemainingMs))
            : t.progress.remainingUnknown}
        </Text>
        <Text {...styles.muted}>{t.progress.installed(installedCount, plan.length)}</Text>
      </Box>
      <Box flexDirection="column">
        <Text {...styles.emphasis}>{t.activities[progress.activity]}</Text>
        {item !== undefined && (
          <Paragraph>
            {t.progress.workingOn(
              item.slotName,
              `${t.purposes[item.purpose]} (${t.identityKinds[item.identityKind]})`,
            )}
          </Paragraph>
        )}
        {progress.isIndeterminate && <Paragraph {...styles.muted}>{t.progress.keyGenerationNote}</Paragraph>}
      </Box>
      {isCancelling && <Paragraph {...styles.warning}>{t.progress.cancelling}</Paragraph>}
    </Box>
  );
}
