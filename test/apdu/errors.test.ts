import {describe, expect, it} from 'vitest';
import {ApduError, apduErrorCodeFor} from '../../source/apdu/errors.js';
import {SithsError} from '../../source/errors.js';

describe('ApduError', () => {
  it.each([
    [0x6300, 'verification-failed'],
    [0x63c2, 'verification-failed'],
    [0x6581, 'memory-failure'],
    [0x6700, 'wrong-length'],
    [0x6884, 'cla-function-not-supported'],
    [0x6982, 'security-status-not-satisfied'],
    [0x6983, 'auth-method-blocked'],
    [0x6984, 'data-invalid'],
    [0x6985, 'conditions-not-satisfied'],
    [0x6986, 'command-not-allowed'],
    [0x6a80, 'wrong-data'],
    [0x6a81, 'function-not-supported'],
    [0x6a82, 'not-found'],
    [0x6a84, 'not-enough-memory'],
    [0x6a86, 'wrong-p1p2'],
    [0x6b00, 'wrong-p1p2'],
    [0x6a88, 'reference-not-found'],
    [0x6c10, 'wrong-le'],
    [0x6d00, 'ins-not-supported'],
    [0x6e00, 'cla-not-supported'],
    [0x6f00, 'no-precise-diagnosis'],
    [0x6400, 'unexpected-status'],
    [0x6f12, 'unexpected-status'],
  ])('gives status word %s the code %s', (sw, code) => {
    expect(apduErrorCodeFor(sw)).toBe(code);
    expect(new ApduError(sw, 0xcb).code).toBe(code);
  });

  it('carries the status word, the instruction and the tries left, and names both in its message', () => {
    const error = new ApduError(0x63c1, 0x20);
    expect(error).toBeInstanceOf(SithsError);
    expect(error).toMatchObject({name: 'ApduError', sw: 0x63c1, ins: 0x20, triesLeft: 1});
    expect(error.message).toBe('INS 20 failed: 63C1 1 try left');
  });

  it('has no tries left outside 63Cx', () => {
    expect(new ApduError(0x6983, 0x20).triesLeft).toBeUndefined();
  });
});
