import {describe, expect, it} from 'vitest';
import {exitCodeFor, ExitCode} from '../../source/cli/exit-codes.js';
import {catalogues} from '../../source/screens/i18n/language.js';
import {EVERY_ENGINE_ERROR} from '../screens/engine-errors.js';

describe('exit codes', () => {
  it('give every engine error a documented failure code', () => {
    const documented = new Set([
      ExitCode.Failed,
      ExitCode.Reader,
      ExitCode.Pin,
      ExitCode.Service,
      ExitCode.Card,
    ]);
    for (const error of Object.values(EVERY_ENGINE_ERROR)) {
      const code = exitCodeFor(error.code);
      expect(code).not.toBe(ExitCode.Ok);
      if (error.code === 'cancelled') expect(code).toBe(ExitCode.Interrupted);
      else if (error.code === 'internal') expect(code).toBe(ExitCode.Internal);
      else expect(documented.has(code)).toBe(true);
    }
  });

  it('group the errors by what the user can fix', () => {
    expect(exitCodeFor('pcscd-not-running')).toBe(3);
    expect(exitCodeFor('pin-blocked')).toBe(4);
    expect(exitCodeFor('service-tls')).toBe(5);
    expect(exitCodeFor('service-chain-untrusted')).toBe(5);
    expect(exitCodeFor('card-removed')).toBe(6);
  });

  it.each(['sv', 'en'] as const)('are each listed in the --help of every command (%s)', (language) => {
    const help = catalogues[language].cli.help;
    const codes = Object.values(ExitCode).filter((value): value is number => typeof value === 'number');
    for (const page of [help.main, help.status, help.test, help.pin]) {
      for (const code of codes) expect(page).toMatch(new RegExp(`(^|[\\s,])${code}\\s`, 'm'));
    }
  });
});
