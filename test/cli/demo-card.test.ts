import {describe, expect, it} from 'vitest';
import {demoCodes, demoTimingSeed} from '../../source/cli/demo-card.js';

describe('the demo card', () => {
  it('has one PIN and a PUK as a PIV card, the Legitimering and Underskrift PINs as a SITHS card', () => {
    expect(demoCodes('piv')).toEqual({pin: '123456', puk: '12345678'});
    expect(demoCodes('siths-eid')).toEqual({pin: '123456', signaturePin: '654321', puk: '12345678'});
  });

  it('seeds its timing draws from a whole number in SITHS_UPGRADE_DEMO_SEED, and from nothing else', () => {
    expect(demoTimingSeed('7')).toBe(7);
    expect(demoTimingSeed('123456789')).toBe(123_456_789);
    for (const value of [undefined, '', '-1', '1.5', '0x10', ' 7', '1234567890', 'seed'])
      expect(demoTimingSeed(value)).toBeUndefined();
  });
});
