import {describe, expect, it} from 'vitest';
import {decideDisplay} from '../../source/cli/appearance.js';

const flags = {isPlain: false, isAscii: false, isColorless: false};
const terminals = {isInputTty: true, isOutputTty: true};
const utf8 = {LANG: 'sv_SE.UTF-8', TERM: 'xterm-256color'};

describe('decideDisplay', () => {
  it('draws full screen with colour and Unicode in a UTF-8 terminal', () => {
    expect(decideDisplay(flags, utf8, terminals)).toEqual({isPlain: false, isColor: true, isUnicode: true});
  });

  it.each([
    ['NO_COLOR set', {...utf8, NO_COLOR: '1'}, flags],
    ['--no-color', utf8, {...flags, isColorless: true}],
  ])('drops colour only for %s', (_case, env, options) => {
    expect(decideDisplay(options, env, terminals)).toEqual({isPlain: false, isColor: false, isUnicode: true});
  });

  it('keeps colour when NO_COLOR is empty (no-color.org)', () => {
    expect(decideDisplay(flags, {...utf8, NO_COLOR: ''}, terminals).isColor).toBe(true);
  });

  it.each([
    ['a non-UTF-8 locale', {TERM: 'xterm', LANG: 'C'}, flags],
    ['no locale', {TERM: 'xterm'}, flags],
    ['the Linux console', {...utf8, TERM: 'linux'}, flags],
    ['--ascii', utf8, {...flags, isAscii: true}],
  ])('falls back to ASCII for %s', (_case, env, options) => {
    expect(decideDisplay(options, env, terminals).isUnicode).toBe(false);
  });

  it('takes the locale from LC_ALL before LC_CTYPE before LANG', () => {
    expect(decideDisplay(flags, {LC_ALL: 'C', LANG: 'sv_SE.UTF-8'}, terminals).isUnicode).toBe(false);
    expect(decideDisplay(flags, {LC_CTYPE: 'en_US.utf8', LANG: 'C'}, terminals).isUnicode).toBe(true);
  });

  it.each([
    ['--plain', utf8, {...flags, isPlain: true}, terminals],
    ['TERM=dumb', {...utf8, TERM: 'dumb'}, flags, terminals],
    ['CI (Ink would hold its frames back)', {...utf8, CI: 'true'}, flags, terminals],
    ['CONTINUOUS_INTEGRATION', {...utf8, CONTINUOUS_INTEGRATION: '1'}, flags, terminals],
    ['output to a file or pipe', utf8, flags, {isInputTty: true, isOutputTty: false}],
    ['input from a file or pipe', utf8, flags, {isInputTty: false, isOutputTty: true}],
  ])('prints plain lines for %s', (_case, env, options, ends) => {
    expect(decideDisplay(options, env, ends).isPlain).toBe(true);
  });

  it('keeps the full screen when CI is 0 or false', () => {
    expect(decideDisplay(flags, {...utf8, CI: 'false'}, terminals).isPlain).toBe(false);
    expect(decideDisplay(flags, {...utf8, CI: '0'}, terminals).isPlain).toBe(false);
  });

  it('has no colour on a dumb terminal or into a pipe', () => {
    expect(decideDisplay(flags, {...utf8, TERM: 'dumb'}, terminals).isColor).toBe(false);
    expect(decideDisplay(flags, utf8, {isInputTty: true, isOutputTty: false}).isColor).toBe(false);
  });
});
