import {useComponentTheme} from '@inkjs/ui';
import {Box, Text, type TextProps} from 'ink';
import React from 'react';
import type {PlanItemView, Progress as ProgressView, Step} from '../upgrade/state.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import {Paragraph, usePanelWidth} from './paragraph.js';
import {useScreenTheme} from './theme.js';

/** A fraction as a whole percentage, 0 to 100. */
function percentOf(fraction: number): number {
  return Math.round(Math.min(1, Math.max(0, fraction)) * 100);
}

interface BarTheme {
  readonly styles: {
    readonly completed: () => TextProps;
    readonly remaining: () => TextProps;
  };
  readonly config: () => {readonly completedCharacter: string; readonly remainingCharacter: string};
}

/**
 * The bar, `width` cells (the panel's width less the figure, so it needs no measuring and is right in the first
 * frame): done up to `from` per cent; with a band (while the card generates an RSA key) the share the
 * generation is expected to take, to `to`, in the band's shade; the rest to do. Drawn with ink-ui's ProgressBar
 * theme.
 */
function Bar({from, to, width}: {from: number; to?: number; width: number}): React.JSX.Element {
  const {styles, config} = useComponentTheme<BarTheme>('ProgressBar');
  const {symbols} = useScreenTheme();
  const done = Math.round((from / 100) * width);
  const band = to === undefined ? 0 : Math.max(1, Math.round((to / 100) * width) - done);
  const rest = Math.max(0, width - done - band);
  return (
    <Box width={width}>
      {done > 0 && <Text {...styles.completed()}>{config().completedCharacter.repeat(done)}</Text>}
      {band > 0 && (
        <Text {...styles.completed()} dimColor>
          {symbols.progressBand.repeat(band)}
        </Text>
      )}
      {rest > 0 && <Text {...styles.remaining()}>{config().remainingCharacter.repeat(rest)}</Text>}
    </Box>
  );
}

/**
 * Whether the time left can be told: not while the card generates an RSA key (its duration cannot be predicted),
 * nor before anything was measured (an estimate of zero at zero per cent).
 */
export function isTimeLeftKnown(progress: ProgressView): boolean {
  return !progress.isIndeterminate && !(progress.fraction === 0 && progress.estimatedRemainingMs === 0);
}

/**
 * The time left as shown: what makes the shown elapsed and left times add up to the whole estimate in whole
 * seconds. So both figures change in the same frame as the clock ticks, instead of each at its own moment.
 */
function shownRemainingMs({elapsedMs, estimatedRemainingMs}: ProgressView): number {
  const seconds = Math.round((elapsedMs + estimatedRemainingMs) / 1000) - Math.round(elapsedMs / 1000);
  return Math.max(0, seconds) * 1000;
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
 * shown in whole seconds so most progress ticks change nothing on screen and send nothing to the terminal. While
 * the card generates an RSA key (its time cannot be predicted) the bar and the figure show the band the
 * generation is expected to cover ('37–45 %') and stay still until it ends.
 */
export function Progress({
  step,
  progress,
  plan,
  installedCount,
  isCancelling,
}: ProgressProps): React.JSX.Element {
  const t = useCatalogue();
  const {styles, symbols} = useScreenTheme();
  const panelWidth = usePanelWidth();
  const percent = percentOf(progress.fraction);
  const band =
    progress.isIndeterminate && progress.band !== undefined
      ? {from: percentOf(progress.band.from), to: percentOf(progress.band.to)}
      : undefined;
  const label =
    band === undefined
      ? `${String(percent).padStart(3)} %`
      : `${String(band.from).padStart(3)}${symbols.rangeDash}${band.to} %`;
  const item = progress.currentItem;
  return (
    <Box flexDirection="column" gap={1}>
      <Text {...styles.heading}>{t.steps[step].title}</Text>
      <Box gap={1} aria-role="progressbar" aria-label={label.trim()}>
        <Bar from={band?.from ?? percent} to={band?.to} width={Math.max(1, panelWidth - 1 - label.length)} />
        <Text>{label}</Text>
      </Box>
      <Box columnGap={3} flexWrap="wrap">
        <Text>{t.progress.elapsed(t.formatDuration(progress.elapsedMs))}</Text>
        <Text>
          {isTimeLeftKnown(progress)
            ? t.progress.remaining(t.formatDuration(shownRemainingMs(progress)))
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
