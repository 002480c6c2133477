import {describe, expect, it} from 'vitest';
import {missingReader, readerChoice} from '../../source/upgrade/reader-choice.js';

const reader = (name: string, hasCard: boolean) => ({name, hasCard});

describe('readerChoice', () => {
  it('opens the only reader that holds a card', () => {
    expect(readerChoice([reader('A', false), reader('B', true)], undefined)).toEqual({
      kind: 'reader',
      name: 'B',
    });
  });

  it('asks when several readers hold a card, and waits when none does', () => {
    expect(readerChoice([reader('A', true), reader('B', true)], undefined)).toEqual({kind: 'ask'});
    expect(readerChoice([reader('A', false)], undefined)).toEqual({kind: 'wait'});
  });

  it('takes the preferred reader by its name or a part of it, once it holds a card', () => {
    const readers = [reader('Virtual PCD 00 00', true), reader('Yubico YubiKey 01 00', true)];
    expect(readerChoice(readers, 'Yubico')).toEqual({kind: 'reader', name: 'Yubico YubiKey 01 00'});
    expect(readerChoice([reader('Yubico YubiKey 01 00', false)], 'Yubico')).toEqual({kind: 'wait'});
  });
});

describe('missingReader', () => {
  it('names the preferred reader only when no reader matches it', () => {
    expect(missingReader([reader('Virtual PCD 00 00', false)], 'Yubico')).toBe('Yubico');
    expect(missingReader([reader('Yubico YubiKey 01 00', false)], 'Yubico')).toBeUndefined();
    expect(missingReader([], undefined)).toBeUndefined();
  });
});
