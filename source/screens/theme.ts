import {defaultTheme, extendTheme, useComponentTheme, type Theme} from '@inkjs/ui';
import type {BoxProps, TextProps} from 'ink';

/** What the terminal can show; the CLI decides it from the environment and flags. */
export interface Appearance {
  /** Colours allowed (false for NO_COLOR, TERM=dumb, --no-color): monochrome, emphasis by bold and inverse. */
  readonly isColor: boolean;
  /** Unicode box drawing and marks; false falls back to ASCII (TERM=linux console, non-UTF-8 locale). */
  readonly isUnicode: boolean;
}

/** The characters the screens draw with. */
export interface Symbols {
  readonly stepDone: string;
  readonly stepCurrent: string;
  readonly stepPending: string;
  readonly stepFailed: string;
  readonly bullet: string;
  readonly pointer: string;
  readonly ticked: string;
  readonly unticked: string;
  readonly mask: string;
  readonly cursor: string;
  /** The arrow keys as the footer names them; undefined: the catalogue's words ('Up/Down'). */
  readonly arrowKeys: string | undefined;
  readonly borderStyle: NonNullable<BoxProps['borderStyle']>;
  readonly spinner: 'dots' | 'line';
  /** Big letters: both halves, upper half, lower half of a character cell. */
  readonly bigFull: string;
  readonly bigUpper: string;
  readonly bigLower: string;
  /** The progress bar's cells the running key generation is expected to fill (between done and to do). */
  readonly progressBand: string;
  /** Between the two figures of a range ('37–45 %'). */
  readonly rangeDash: string;
}

/** Text styles of the screens, by role. */
export interface ScreenStyles {
  readonly title: TextProps;
  readonly heading: TextProps;
  readonly emphasis: TextProps;
  readonly muted: TextProps;
  readonly danger: TextProps;
  readonly success: TextProps;
  readonly warning: TextProps;
  readonly key: TextProps;
  readonly demo: TextProps;
  readonly stepDone: TextProps;
  readonly stepCurrent: TextProps;
  readonly stepPending: TextProps;
  readonly stepFailed: TextProps;
  readonly focused: TextProps;
  readonly disabled: TextProps;
  readonly bigWarning: TextProps;
  readonly border: Pick<BoxProps, 'borderColor' | 'borderDimColor'>;
}

const unicodeSymbols: Symbols = {
  stepDone: '✔',
  stepCurrent: '▶',
  stepPending: '○',
  stepFailed: '✖',
  bullet: '•',
  pointer: '❯',
  ticked: '[✔]',
  unticked: '[ ]',
  mask: '●',
  cursor: '▁',
  arrowKeys: '↑↓',
  borderStyle: 'round',
  spinner: 'dots',
  bigFull: '█',
  bigUpper: '▀',
  bigLower: '▄',
  progressBand: '▒',
  rangeDash: '–',
};

const asciiSymbols: Symbols = {
  stepDone: '+',
  stepCurrent: '>',
  stepPending: '.',
  stepFailed: 'x',
  bullet: '*',
  pointer: '>',
  ticked: '[x]',
  unticked: '[ ]',
  mask: '*',
  cursor: '_',
  arrowKeys: undefined,
  borderStyle: 'classic',
  spinner: 'line',
  bigFull: '#',
  bigUpper: '"',
  bigLower: '_',
  progressBand: '=',
  rangeDash: '-',
};

const colourStyles: ScreenStyles = {
  title: {bold: true, color: 'cyan'},
  heading: {bold: true},
  emphasis: {bold: true, color: 'cyan'},
  muted: {dimColor: true},
  danger: {bold: true, color: 'red'},
  success: {color: 'green'},
  warning: {color: 'yellow'},
  key: {bold: true, color: 'cyan'},
  demo: {bold: true, color: 'black', backgroundColor: 'yellow'},
  stepDone: {color: 'green'},
  stepCurrent: {bold: true, color: 'cyan'},
  stepPending: {dimColor: true},
  stepFailed: {bold: true, color: 'red'},
  focused: {bold: true, color: 'cyan'},
  disabled: {dimColor: true},
  bigWarning: {bold: true, color: 'red'},
  border: {borderColor: 'gray'},
};

/** NO_COLOR: emphasis only by bold, dim, inverse and underline (https://no-color.org). */
const monochromeStyles: ScreenStyles = {
  title: {bold: true},
  heading: {bold: true},
  emphasis: {bold: true},
  muted: {dimColor: true},
  danger: {bold: true},
  success: {},
  warning: {bold: true},
  key: {bold: true},
  demo: {inverse: true},
  stepDone: {},
  stepCurrent: {bold: true, inverse: true},
  stepPending: {dimColor: true},
  stepFailed: {bold: true, underline: true},
  focused: {inverse: true},
  disabled: {dimColor: true},
  bigWarning: {bold: true},
  border: {},
};

/** The ink-ui component name under which the screens' own styles and symbols live in the theme. */
const SCREENS = 'Screens';

/**
 * The one theme of the program (ink-ui `extendTheme`): the screens' styles and symbols, and the ink-ui
 * components used (ProgressBar, Spinner, StatusMessage) without colour or Unicode when the terminal lacks them.
 */
export function createTheme(appearance: Appearance): Theme {
  const symbols = appearance.isUnicode ? unicodeSymbols : asciiSymbols;
  const styles = appearance.isColor ? colourStyles : monochromeStyles;
  const variantIcons = appearance.isUnicode
    ? {success: '✔', error: '✖', warning: '⚠', info: 'ℹ'}
    : {success: '+', error: 'x', warning: '!', info: 'i'};
  const variantColours = {success: 'green', error: 'red', warning: 'yellow', info: 'cyan'} as const;
  return extendTheme(defaultTheme, {
    components: {
      [SCREENS]: {config: () => ({styles, symbols})},
      ProgressBar: {
        styles: {
          container: () => ({flexGrow: 1, minWidth: 0}),
          completed: () => (appearance.isColor ? {color: 'cyan'} : {}),
          remaining: () => ({dimColor: true}),
        },
        config: () => ({
          completedCharacter: appearance.isUnicode ? '█' : '#',
          remainingCharacter: appearance.isUnicode ? '░' : '-',
        }),
      },
      Spinner: {
        styles: {
          container: () => ({gap: 1}),
          frame: () => (appearance.isColor ? {color: 'cyan'} : {}),
          label: () => ({}),
        },
      },
      StatusMessage: {
        styles: {
          container: () => ({gap: 1}),
          iconContainer: () => ({flexShrink: 0}),
          icon: ({variant}: {variant: keyof typeof variantColours}) =>
            appearance.isColor ? {color: variantColours[variant]} : {bold: true},
          message: () => ({}),
        },
        config: ({variant}: {variant: keyof typeof variantIcons}) => ({icon: variantIcons[variant]}),
      },
    },
  });
}

/** The screens' styles and symbols from the theme in context. */
export function useScreenTheme(): {readonly styles: ScreenStyles; readonly symbols: Symbols} {
  const {config} = useComponentTheme<{config: () => {styles: ScreenStyles; symbols: Symbols}}>(SCREENS);
  return config();
}
