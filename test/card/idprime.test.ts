import {describe, expect, it} from 'vitest';
import {IDPRIME_ATR, isIdPrimeAtr} from '../../source/card/idprime.js';
import {TELIA_EID_IP5A_ATR} from '../../source/card/virtual/eid/constants.js';
import {YUBIKEY_5_ATR} from '../../source/card/virtual/virtual-card.js';
import {hex} from '../apdu/transcript-transport.js';

describe('isIdPrimeAtr', () => {
  it.each([
    ['the IDPrime reference ATR', IDPRIME_ATR],
    [
      'an IDPrime 840/940 ATR (bytes 2 and 10-13 differ)',
      hex('3B 7F 96 00 00 80 31 80 65 B0 85 59 56 FB 12 0F FE 82 90 00'),
    ],
  ])('takes %s', (_name, atr) => {
    expect(isIdPrimeAtr(atr)).toBe(true);
  });

  it.each([
    ['the Telia EID IP5a', TELIA_EID_IP5A_ATR],
    ['a YubiKey', YUBIKEY_5_ATR],
    [
      'an IDPrime 3940 FIDO (25 bytes, not matched by OpenSC 0.23 either)',
      hex('3B FF 96 00 00 81 31 FE 43 80 31 80 65 B0 85 59 56 FB 12 0F FE 82 90 00 00'),
    ],
  ])('does not take %s', (_name, atr) => {
    expect(isIdPrimeAtr(atr)).toBe(false);
  });
});
