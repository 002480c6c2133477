import {Box} from 'ink';
import React, {type ReactNode} from 'react';
import type {Step} from '../upgrade/state.js';
import {Footer} from './footer.js';
import {Header} from './header.js';
import {PanelHeightProvider, PanelWidthProvider} from './paragraph.js';
import type {CardStatus, KeyName} from './i18n/catalogue.js';
import {StepList} from './step-list.js';
import type {TerminalSize} from './terminal-size.js';
import {useScreenTheme} from './theme.js';

/** Columns of the step list, its border included. */
const STEP_COLUMN_WIDTH = 29;
/** Rows of the header and of the footer, their rules included. */
const HEADER_ROWS = 2;
const FOOTER_ROWS = 2;
/** Columns between the step list's border and the panel's text. */
const PANEL_PADDING = 1;

/** The space the current step's panel gets. */
export interface PanelSize {
  readonly width: number;
  readonly height: number;
}

/**
 * The frame's geometry for a terminal: one row less than the terminal, so Ink redraws only what changed
 * instead of clearing a full screen on every frame.
 */
export function frameGeometry(size: TerminalSize, bannerRows: number): {height: number; panel: PanelSize} {
  const height = Math.max(1, size.rows - 1);
  return {
    height,
    panel: {
      width: Math.max(10, size.columns - STEP_COLUMN_WIDTH - 2 * PANEL_PADDING),
      height: Math.max(1, height - HEADER_ROWS - FOOTER_ROWS - bannerRows),
    },
  };
}

export interface FrameProps {
  readonly size: TerminalSize;
  readonly step: Step;
  readonly isFailed: boolean;
  readonly readerName?: string;
  readonly cardStatus: CardStatus;
  readonly isDemo: boolean;
  readonly keys: readonly KeyName[];
  /** Full-width content under the panel (the big warning during the upgrade). */
  readonly banner?: ReactNode;
  readonly bannerRows?: number;
  readonly children: ReactNode;
}

/** The whole screen: header, the ten steps beside the current step's panel, an optional banner, the footer. */
export function Frame(props: FrameProps): React.JSX.Element {
  const {styles, symbols} = useScreenTheme();
  const {height, panel} = frameGeometry(props.size, props.bannerRows ?? 0);
  return (
    <Box flexDirection="column" width={props.size.columns} height={height}>
      <Header readerName={props.readerName} cardStatus={props.cardStatus} isDemo={props.isDemo} />
      <Box flexGrow={1} flexShrink={1} overflow="hidden">
        <Box
          width={STEP_COLUMN_WIDTH}
          flexShrink={0}
          borderStyle={symbols.borderStyle}
          borderTop={false}
          borderBottom={false}
          borderLeft={false}
          {...styles.border}
        >
          <StepList current={props.step} isFailed={props.isFailed} />
        </Box>
        <Box flexDirection="column" flexGrow={1} flexShrink={1} paddingX={PANEL_PADDING} overflow="hidden">
          <PanelWidthProvider width={panel.width}>
            <PanelHeightProvider height={panel.height}>{props.children}</PanelHeightProvider>
          </PanelWidthProvider>
        </Box>
      </Box>
      {props.banner !== undefined && <Box flexShrink={0}>{props.banner}</Box>}
      <Footer keys={props.keys} />
    </Box>
  );
}
