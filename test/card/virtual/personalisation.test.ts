import {describe, expect, it} from 'vitest';
import {decodeTlvs} from '../../../source/apdu/tlv.js';
import {capabilityContainerValue} from '../../../source/card/virtual/personalisation.js';
import {toHex} from '../../apdu/transcript-transport.js';

describe('personalisation objects', () => {
  it('writes a CCC as yubico-piv-tool does, with a random card identifier', () => {
    const first = capabilityContainerValue();
    const items = decodeTlvs(first);
    expect(items.map(({tag}) => tag.toString(16))).toEqual([
      'f0',
      'f1',
      'f2',
      'f3',
      'f4',
      'f5',
      'f6',
      'f7',
      'fa',
      'fb',
      'fc',
      'fd',
      'fe',
    ]);
    expect(toHex(items[0]!.value.subarray(0, 7))).toBe('A0 00 00 01 16 FF 02');
    expect(items[0]!.value.length).toBe(21);
    expect(toHex(capabilityContainerValue())).not.toBe(toHex(first));
  });
});
