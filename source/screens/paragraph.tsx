import {Text, type TextProps} from 'ink';
import React, {createContext, useContext, type ReactNode} from 'react';
import {wrapLines} from './use-terms-state.js';

const PanelWidthContext = createContext(80);

/** Gives the text below the columns it may use (the panel's width). */
export function PanelWidthProvider({
  width,
  children,
}: {
  readonly width: number;
  readonly children: ReactNode;
}): React.JSX.Element {
  return <PanelWidthContext.Provider value={width}>{children}</PanelWidthContext.Provider>;
}

/** The columns the panel's text may use. */
export function usePanelWidth(): number {
  return useContext(PanelWidthContext);
}

const PanelHeightContext = createContext(Number.POSITIVE_INFINITY);

/** Gives the content below the rows it may use (the panel's height), for lists that scroll. */
export function PanelHeightProvider({
  height,
  children,
}: {
  readonly height: number;
  readonly children: ReactNode;
}): React.JSX.Element {
  return <PanelHeightContext.Provider value={height}>{children}</PanelHeightContext.Provider>;
}

/** The rows the panel's content may use; unlimited outside a frame. */
export function usePanelHeight(): number {
  return useContext(PanelHeightContext);
}

export type ParagraphProps = Omit<TextProps, 'children' | 'wrap'> & {
  readonly children: string;
  /** Columns taken before the text (an indent or a mark). */
  readonly indent?: number;
};

/**
 * A paragraph wrapped at word boundaries to the panel's width. Ink's own wrapping starts a line with the space
 * when the previous line fills the width exactly; wrapping here first avoids that.
 */
export function Paragraph({children, indent = 0, ...style}: ParagraphProps): React.JSX.Element {
  const width = usePanelWidth() - indent;
  return <Text {...style}>{wrapLines(children, width).join('\n')}</Text>;
}
