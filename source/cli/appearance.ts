import type {Appearance} from '../screens/theme.js';
import type {EngineOptions} from './arguments.js';

/** The environment variables that decide how the program draws. */
export interface DisplayEnvironment {
  readonly NO_COLOR?: string;
  readonly TERM?: string;
  readonly LANG?: string;
  readonly LC_ALL?: string;
  readonly LC_CTYPE?: string;
  readonly CI?: string;
  readonly CONTINUOUS_INTEGRATION?: string;
}

/** How to draw: full screen or plain lines; colour; Unicode. */
export interface Display extends Appearance {
  /** Plain lines, no cursor movement: --plain, TERM=dumb, CI, or no terminal on both ends. */
  readonly isPlain: boolean;
}

/**
 * Decides the display from flags, environment and terminals. Under CI (CI or CONTINUOUS_INTEGRATION set, as Ink
 * tells) Ink holds every frame back until the end, so the lines are plain. NO_COLOR (any non-empty value, no-color.org),
 * TERM=dumb or --no-color turn colour off; Unicode needs a UTF-8 locale and not the Linux console (TERM=linux),
 * and --ascii turns it off. Pure.
 */
export function decideDisplay(
  options: Pick<EngineOptions, 'isPlain' | 'isAscii' | 'isColorless'>,
  env: DisplayEnvironment,
  terminals: {readonly isInputTty: boolean; readonly isOutputTty: boolean},
): Display {
  const isDumb = env.TERM === 'dumb';
  const isSet = (value: string | undefined) => value !== undefined && value !== '0' && value !== 'false';
  const isCi = isSet(env.CI) || isSet(env.CONTINUOUS_INTEGRATION);
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return {
    isPlain: options.isPlain || isDumb || isCi || !terminals.isInputTty || !terminals.isOutputTty,
    isColor: !options.isColorless && !isDumb && (env.NO_COLOR ?? '') === '' && terminals.isOutputTty,
    isUnicode: !options.isAscii && env.TERM !== 'linux' && /utf-?8/i.test(locale),
  };
}
