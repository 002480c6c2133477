import {describe, expect, it} from 'vitest';
import {redactEntry, supportLogLine} from '../../source/upgrade/support-log.js';

describe('redactEntry', () => {
  it('never writes a field that could hold a PIN, PUK or key, at any depth', () => {
    const pin = new TextEncoder().encode('123456');
    const entry = redactEntry({
      event: 'x',
      pin,
      newPin: '654321',
      nested: {puk: '12345678', managementKey: 'aa', privateKey: 'bb', list: [{pin: '1'}]},
      certificate: new Uint8Array(1200),
    });
    const text = JSON.stringify(entry);
    expect(text).not.toMatch(/123456|654321|12345678/);
    expect(entry).toMatchObject({pin: '[redacted]', newPin: '[redacted]', certificate: '[1200 bytes]'});
  });

  it('keeps PIN counts and policies, which are not secrets', () => {
    expect(redactEntry({event: 'x', pinTriesLeft: 2, pinPolicy: 'always'})).toEqual({
      event: 'x',
      pinTriesLeft: 2,
      pinPolicy: 'always',
    });
  });

  it('logs an error by name, code and message', () => {
    const error = Object.assign(new Error('card gone'), {code: 'card-removed'});
    expect(redactEntry({event: 'failed', error})).toEqual({
      event: 'failed',
      error: {name: 'Error', code: 'card-removed', message: 'card gone'},
    });
  });

  it('puts the time first in a line, then the redacted entry', () => {
    expect(JSON.parse(supportLogLine({event: 'x', puk: '12345678'}, 0))).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      event: 'x',
      puk: '[redacted]',
    });
  });
});
