import {describe, expect, it} from 'vitest';
import {
  isAsymmetricSlot,
  ObjectId,
  objectIdBytes,
  objectIdForSlot,
  Slot,
} from '../../../source/card/piv/constants.js';

describe('PIV constants', () => {
  it.each([
    [Slot.Authentication, 0x5fc105],
    [Slot.Signature, 0x5fc10a],
    [Slot.KeyManagement, 0x5fc10b],
    [Slot.CardAuthentication, 0x5fc101],
    [Slot.Retired1, 0x5fc10d],
    [Slot.Retired2, 0x5fc10e],
    [Slot.Retired20, 0x5fc120],
    [Slot.Attestation, 0x5fff01],
  ])('maps slot %s to its certificate object', (slot, id) => {
    expect(objectIdForSlot(slot)).toBe(id);
  });

  it('has no certificate object for the management key', () => {
    expect(() => objectIdForSlot(Slot.CardManagement)).toThrow(RangeError);
  });

  it('tells key slots from other references', () => {
    const slots = Array.from({length: 256}, (_, reference) => reference).filter(isAsymmetricSlot);
    expect(slots.map((slot) => slot.toString(16))).toEqual([
      ...Array.from({length: 20}, (_, index) => (0x82 + index).toString(16)),
      '9a',
      '9c',
      '9d',
      '9e',
    ]);
  });

  it('encodes object ids as their tag bytes', () => {
    expect([...objectIdBytes(ObjectId.Discovery)]).toEqual([0x7e]);
    expect([...objectIdBytes(ObjectId.BiometricGroupTemplate)]).toEqual([0x7f, 0x61]);
    expect([...objectIdBytes(ObjectId.Chuid)]).toEqual([0x5f, 0xc1, 0x02]);
  });

  it('names wire values for logs', () => {
    expect(Slot[0x9c]).toBe('Signature');
    expect(ObjectId[0x5fc10c]).toBe('KeyHistory');
  });
});
