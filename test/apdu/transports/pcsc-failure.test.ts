import {describe, expect, it} from 'vitest';
import {TransportError} from '../../../source/apdu/transports/errors.js';
import {
  pcscFailure,
  ScardCode,
  scardCodeOf,
  type PcscStep,
} from '../../../source/apdu/transports/pcsc-failure.js';
import {WinscardError} from '../../../source/apdu/transports/winscard.js';

/** A failed call as the binding reports it, with pcsc-lite's pcsc_stringify_error text. */
function pcscliteError(call: string, code: number, text: string): WinscardError {
  return new WinscardError(call, code, text);
}

const failures = {
  noService: pcscliteError('SCardEstablishContext', ScardCode.NoService, 'Service not available.'),
  serviceStopped: pcscliteError('SCardTransmit', ScardCode.ServiceStopped, 'Service was stopped.'),
  commError: pcscliteError('SCardTransmit', ScardCode.CommError, 'RPC transport error.'),
  securityViolation: pcscliteError('SCardEstablishContext', ScardCode.SecurityViolation, 'Access denied.'),
  noAccess: pcscliteError('SCardConnect', ScardCode.NoAccess, 'Unknown error: 0x80100027'),
  noReaders: pcscliteError(
    'SCardListReaders',
    ScardCode.NoReadersAvailable,
    'Cannot find a smart card reader.',
  ),
  unknownReader: pcscliteError('SCardConnect', ScardCode.UnknownReader, 'Unknown reader specified.'),
  readerUnavailable: pcscliteError('SCardTransmit', ScardCode.ReaderUnavailable, 'Reader is unavailable.'),
  noSmartcard: pcscliteError('SCardConnect', ScardCode.NoSmartcard, 'No smart card inserted.'),
  removed: pcscliteError('SCardTransmit', ScardCode.RemovedCard, 'Card was removed.'),
  notTransacted: pcscliteError('SCardTransmit', ScardCode.NotTransacted, 'Transaction failed.'),
  unresponsive: pcscliteError('SCardConnect', ScardCode.UnresponsiveCard, 'Card is unresponsive.'),
  unpowered: pcscliteError('SCardTransmit', ScardCode.UnpoweredCard, 'Card is unpowered.'),
  reset: pcscliteError('SCardTransmit', ScardCode.ResetCard, 'Card was reset.'),
  sharing: pcscliteError('SCardConnect', ScardCode.SharingViolation, 'Sharing violation.'),
  mismatch: pcscliteError('SCardConnect', ScardCode.ProtoMismatch, 'Card protocol mismatch.'),
} as const;

describe('pcscFailure', () => {
  it.each<[keyof typeof failures, PcscStep, string]>([
    ['noService', 'context', 'pcscd-not-running'],
    ['noService', 'transmit', 'pcscd-not-running'],
    ['serviceStopped', 'transmit', 'pcscd-not-running'],
    ['commError', 'transmit', 'pcscd-not-running'],
    ['securityViolation', 'context', 'access-denied'],
    ['securityViolation', 'connect', 'access-denied'],
    ['noAccess', 'connect', 'access-denied'],
    ['noReaders', 'context', 'no-reader'],
    ['unknownReader', 'connect', 'no-reader'],
    ['unknownReader', 'transmit', 'card-removed'],
    ['readerUnavailable', 'connect', 'no-reader'],
    ['readerUnavailable', 'transmit', 'card-removed'],
    ['noSmartcard', 'connect', 'no-card'],
    ['noSmartcard', 'transmit', 'card-removed'],
    ['removed', 'connect', 'no-card'],
    ['removed', 'transmit', 'card-removed'],
    ['notTransacted', 'transmit', 'card-removed'],
    ['notTransacted', 'connect', 'transport-failed'],
    ['unresponsive', 'connect', 'no-card'],
    ['unpowered', 'transmit', 'no-card'],
    ['reset', 'transmit', 'card-reset'],
    ['sharing', 'connect', 'reader-busy'],
    ['mismatch', 'connect', 'transport-failed'],
    // Mid-session, the card's protocol changed under the connection: another program reset it.
    ['mismatch', 'transmit', 'card-reset'],
  ])('maps %s during %s to %s', (failure, step, code) => {
    const error = pcscFailure(failures[failure], step, 'ACME Reader 00 00');
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe(code);
    expect(error.cause).toBe(failures[failure]);
  });

  it('tells a remote user that polkit refuses them and which actions IT can allow', () => {
    const {message} = pcscFailure(failures.securityViolation, 'context');
    expect(message).toMatch(/polkit/);
    expect(message).toMatch(/remote \(SSH\)/);
    expect(message).toMatch(/org\.debian\.pcsc-lite\.access_pcsc/);
    expect(message).toMatch(/org\.debian\.pcsc-lite\.access_card/);
  });

  it('tells how to start pcscd when it is not running', () => {
    expect(pcscFailure(failures.noService, 'context').message).toMatch(/systemctl start pcscd\.socket/);
  });

  it('names the reader, and keeps PC/SC words for failures it has no advice for', () => {
    expect(pcscFailure(failures.noSmartcard, 'connect', 'ACME Reader 00 00').message).toBe(
      'There is no card in the reader "ACME Reader 00 00": insert the card',
    );
    expect(pcscFailure(failures.mismatch, 'connect', 'ACME Reader 00 00').message).toBe(
      'The reader "ACME Reader 00 00" failed: Card protocol mismatch. (0x8010000f)',
    );
    expect(pcscFailure(new Error('Card Reader not connected'), 'transmit').message).toBe(
      'The reader failed: Card Reader not connected',
    );
  });
});

describe('scardCodeOf', () => {
  it('reads the return code of a failed WinSCard call', () => {
    expect(scardCodeOf(failures.removed)).toBe(ScardCode.RemovedCard);
    expect(failures.sharing.message).toBe('SCardConnect: Sharing violation. (0x8010000b)');
  });

  it('finds no code in other errors, even when their words look like one', () => {
    expect(scardCodeOf(new Error('Card Reader not connected'))).toBeUndefined();
    expect(scardCodeOf(new Error('SCardConnect error: Sharing violation.(0x8010000B)'))).toBeUndefined();
    expect(scardCodeOf('SCardConnect error: (0x8010000b)')).toBeUndefined();
  });
});
