import {describe, expect, it} from 'vitest';
import {ApduError} from '../../source/apdu/errors.js';
import {TransportError} from '../../source/apdu/transports/errors.js';
import {
  CardFullError,
  FeatureNotSupportedError,
  InvalidPinError,
  InvalidPukError,
  ManagementKeyError,
  ManagementKeyRequiredError,
  PinBlockedError,
  PinFormatError,
  PinRequiredError,
  SlotEmptyError,
} from '../../source/card/errors.js';
import {SithsError} from '../../source/errors.js';
import {PkiError} from '../../source/pki/errors.js';
import {ServiceError} from '../../source/service-client/errors.js';
import {
  engineErrorOf,
  isCardResetReported,
  isCardResetSign,
  UpgradeError,
  wayForwardFor,
  type EngineError,
} from '../../source/upgrade/errors.js';

describe('engineErrorOf', () => {
  it('passes an UpgradeError on as the error it carries', () => {
    const error: EngineError = {code: 'answer-rejected', check: 'chain'};
    expect(engineErrorOf(new UpgradeError(error, 'x'))).toBe(error);
  });

  it('makes anything that is not a SithsError an internal fault', () => {
    expect(engineErrorOf(new Error('boom'))).toEqual({code: 'internal'});
    expect(engineErrorOf('a string')).toEqual({code: 'internal'});
    expect(engineErrorOf(undefined)).toEqual({code: 'internal'});
  });

  it.each([
    ['pcscd-not-running', {code: 'pcscd-not-running'}],
    ['pcsclite-missing', {code: 'pcsclite-missing'}],
    ['no-reader', {code: 'no-reader'}],
    ['access-denied', {code: 'access-denied'}],
    ['reader-busy', {code: 'reader-busy'}],
    ['card-removed', {code: 'card-removed'}],
    ['no-card', {code: 'card-removed'}],
    ['card-reset', {code: 'card-reset'}],
    ['transport-failed', {code: 'card-error'}],
  ] as const)('maps the transport error %s to %o', (code, expected) => {
    expect(engineErrorOf(new TransportError(code, 'x'))).toEqual(expected);
  });

  it('keeps the tries left of a wrong PIN or PUK', () => {
    expect(engineErrorOf(new InvalidPinError(2))).toEqual({code: 'invalid-pin', triesLeft: 2});
    expect(engineErrorOf(new InvalidPukError(1))).toEqual({code: 'invalid-puk', triesLeft: 1});
  });

  it('maps the card errors a user can act on to the same codes', () => {
    expect(engineErrorOf(new PinBlockedError())).toEqual({code: 'pin-blocked'});
    expect(engineErrorOf(new PinFormatError('pin'))).toEqual({code: 'pin-format'});
    expect(engineErrorOf(new ManagementKeyError('rejected-by-card'))).toEqual({
      code: 'management-key-rejected',
    });
    expect(engineErrorOf(new CardFullError())).toEqual({code: 'card-full'});
    expect(engineErrorOf(new SlotEmptyError(0x9a))).toEqual({code: 'card-error'});
  });

  it('makes a missing PIN or management-key authentication a fault of this program, on purpose', () => {
    expect(engineErrorOf(new PinRequiredError(0x9a))).toEqual({code: 'internal'});
    expect(engineErrorOf(new ManagementKeyRequiredError())).toEqual({code: 'internal'});
  });

  it('shows the status word of a card answer no layer gave a meaning', () => {
    expect(engineErrorOf(new ApduError(0x6f00, 0x87))).toEqual({code: 'card-error', statusWord: '6F00'});
    expect(engineErrorOf(new ApduError(0x6a82, 0xcb))).toEqual({code: 'card-error', statusWord: '6A82'});
  });

  it('makes a card without room (6A84) card-full', () => {
    expect(engineErrorOf(new ApduError(0x6a84, 0xdb))).toEqual({code: 'card-full'});
  });

  it('keeps the reason of a service refusal and the status of a service failure', () => {
    expect(
      engineErrorOf(new ServiceError('service-refused', 'x', {status: 409, reason: 'card-not-received'})),
    ).toEqual({code: 'service-refused', reason: 'card-not-received'});
    expect(engineErrorOf(new ServiceError('service-error', 'x', {status: 503}))).toEqual({
      code: 'service-error',
      status: 503,
    });
    expect(engineErrorOf(new ServiceError('service-answer-malformed', 'x'))).toEqual({
      code: 'service-error',
      status: 0,
    });
    expect(engineErrorOf(new ServiceError('service-unreachable', 'x'))).toEqual({
      code: 'service-unreachable',
    });
    expect(engineErrorOf(new ServiceError('service-tls', 'x'))).toEqual({code: 'service-tls'});
  });

  it('tells a revoked login certificate from other refusals', () => {
    for (const reason of ['certificate-revoked', 'session-certificate-revoked'])
      expect(engineErrorOf(new ServiceError('service-refused', 'x', {status: 403, reason}))).toEqual({
        code: 'login-certificate-revoked',
      });
  });

  it('makes a refused key attestation key-not-attested, with the service’s reason and the way to IT support', () => {
    for (const reason of ['attestation-missing', 'attestation-untrusted', 'attestation-slot-mismatch']) {
      const error = engineErrorOf(new ServiceError('service-refused', 'x', {status: 403, reason}));
      expect(error).toEqual({code: 'key-not-attested', reason});
      expect(wayForwardFor(error)).toBe('contact-support');
    }
  });

  it('makes a PKI failure an internal fault', () => {
    expect(engineErrorOf(new PkiError('certificate-malformed', 'x'))).toEqual({code: 'internal'});
  });

  it('makes an undeclared code a card error when it carries a status word, else internal', () => {
    expect(engineErrorOf(new SithsError('something-new', 'x'))).toEqual({code: 'internal'});
    expect(engineErrorOf(Object.assign(new SithsError('something-new', 'x'), {sw: 0x6581}))).toEqual({
      code: 'card-error',
      statusWord: '6581',
    });
  });
});

describe('wayForwardFor', () => {
  it.each([
    [{code: 'invalid-pin', triesLeft: 2}, 'enter-pin-again'],
    [{code: 'pin-blocked'}, 'unblock-with-puk'],
    [{code: 'puk-blocked'}, 'contact-issuer'],
    [{code: 'card-removed'}, 'reinsert-card'],
    [{code: 'service-unreachable'}, 'check-network'],
    [{code: 'cancelled'}, 'run-again'],
    [{code: 'card-already-new'}, 'nothing-to-do'],
    [{code: 'internal'}, 'contact-support'],
  ] as const)('offers %o the way forward %s', (error, wayForward) => {
    expect(wayForwardFor(error)).toBe(wayForward);
  });
});

describe('isCardResetSign', () => {
  it.each([
    ['a reported reset', new TransportError('card-reset', 'reset'), true],
    ['6D00 (no applet selected)', new ApduError(0x6d00, 0xcb), true],
    ['6E00', new ApduError(0x6e00, 0xcb), true],
    ['6982 (nothing verified)', new ApduError(0x6982, 0x87), true],
    ['a PIN the card forgot', new PinRequiredError(0x9a), true],
    ['a management key the card forgot', new ManagementKeyRequiredError(), true],
    [
      'a feature the card layer read from 6D00',
      new FeatureNotSupportedError('key metadata', {cause: new ApduError(0x6d00, 0xf7)}),
      true,
    ],
    ['a removed card', new TransportError('card-removed', 'gone'), false],
    ['6A82', new ApduError(0x6a82, 0xcb), false],
    ['a wrong PIN', new InvalidPinError(2), false],
    ['an engine error', new UpgradeError({code: 'card-reset'}, 'again and again'), false],
  ])('%s: %s', (_name, error, expected) => {
    expect(isCardResetSign(error)).toBe(expected);
  });

  it('tells a reported reset from an unreported one', () => {
    expect(isCardResetReported(new TransportError('card-reset', 'reset'))).toBe(true);
    expect(isCardResetReported(new ApduError(0x6d00, 0xcb))).toBe(false);
  });
});
