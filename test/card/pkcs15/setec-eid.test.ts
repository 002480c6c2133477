import {generateKeyPairSync} from 'node:crypto';
import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {encodeCommandApdu} from '../../../source/apdu/command.js';
import {CardDataError} from '../../../source/card/errors.js';
import {
  createFileCommand,
  decodeAppletVersion,
  decodePublicKeyAnswer,
  FileDescriptor,
  generateKeyPairCommand,
  getPublicKeyCommand,
  getVersionCommand,
  keyFileAttributes,
  knownSetecEidAtr,
  setSignatureEnvironmentCommand,
  SignatureAlgorithm,
  transparentFileAttributes,
} from '../../../source/card/pkcs15/setec-eid.js';
import {EID_VERSION, TELIA_EID_IP5A_ATR} from '../../../source/card/virtual/eid/constants.js';
import {fileFromCreateData} from '../../../source/card/virtual/eid/file-system.js';
import {decodeSecurityAttributes} from '../../../source/card/virtual/eid/security-attributes.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';

const AUTHENTICATION_PIN = {type: 'pin', reference: 0x81} as const;
const SIGNATURE_PIN = {type: 'pin', reference: 0x82} as const;
const ALWAYS = {type: 'always'} as const;

describe('detection', () => {
  it.each([
    ['3B 7D 96 00 00 80 31 80 65 B0 A3 11 01 F3 83 00 90 00', 'Telia EID IP5a (eID)'],
    ['3B 7D 96 00 00 80 31 80 65 B0 A3 11 00 C8 83 00 90 00', 'Swedish eID (Telia IP5a)'],
  ])('knows the ATR %s as %s', (atr, name) => {
    expect(knownSetecEidAtr(hex(atr))?.name).toBe(name);
  });

  it('knows the ATR the virtual EID card sends', () => {
    expect(knownSetecEidAtr(TELIA_EID_IP5A_ATR)).toBeDefined();
  });

  it.each([
    [
      'the Handelsbanken BankID card that differs in its last bytes',
      '3B 7D 96 00 00 80 31 80 65 B0 A3 11 00 C8 83 00 00 00',
    ],
    ['a YubiKey', '3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40'],
    ['a prefix of the Telia ATR', '3B 7D 96 00 00 80 31 80 65 B0 A3 11 01 F3 83 00 90'],
    ['nothing', ''],
  ])('does not know %s', (_, atr) => {
    expect(knownSetecEidAtr(hex(atr))).toBeUndefined();
  });

  it('asks for the version with 00 CA DF 30 05', () => {
    expect(toHex(encodeCommandApdu(getVersionCommand()))).toBe('00 CA DF 30 05');
  });

  it.each([
    ['76 32 2E 30 00', '2.0'],
    ['76 32 2E 31 00', '2.1'],
    ['76 32 2E 31 7F', '2.1'],
  ])('reads the version answer %s as %s', (answer, version) => {
    expect(decodeAppletVersion(hex(answer))).toBe(version);
  });

  it('reads the version answer of the virtual EID card as 2.1', () => {
    expect(decodeAppletVersion(EID_VERSION)).toBe('2.1');
  });

  it.each([
    ['another version', '76 32 2E 32 00'],
    ['four bytes', '76 32 2E 31'],
    ['six bytes', '76 32 2E 31 00 00'],
    ['nothing', ''],
  ])('takes an answer with %s for another card', (_, answer) => {
    expect(decodeAppletVersion(hex(answer))).toBeUndefined();
  });
});

describe('signing', () => {
  it('sets the signature environment as OpenSC does: algorithm, key file, key reference', () => {
    const command = setSignatureEnvironmentCommand({
      algorithm: SignatureAlgorithm.Pkcs1,
      keyFileId: 0x4b02,
      keyReference: 0x02,
    });
    expect(toHex(encodeCommandApdu(command))).toBe('00 22 41 B6 0A 80 01 02 81 02 4B 02 84 01 02');
  });

  it.each([
    [SignatureAlgorithm.Raw, '00'],
    [SignatureAlgorithm.Pkcs1, '02'],
    [SignatureAlgorithm.Pkcs1Sha1, '12'],
  ])('writes algorithm %i as the reference %s, and leaves out an absent key reference', (algorithm, byte) => {
    const command = setSignatureEnvironmentCommand({algorithm, keyFileId: 0x5100});
    expect(toHex(command.data!)).toBe(`80 01 ${byte} 81 02 51 00`);
  });

  it('refuses a key file id that does not fit two bytes with a RangeError', () => {
    expect(() =>
      setSignatureEnvironmentCommand({algorithm: SignatureAlgorithm.Raw, keyFileId: 0x1_0000}),
    ).toThrow(RangeError);
  });
});

describe('key generation', () => {
  it.each([
    [1024, '00 46 00 00 09 92 00 04 00 00 18 01 00 01'],
    [2048, '00 46 00 00 09 92 00 08 00 00 18 01 00 01'],
  ])('asks for a %i-bit key with exponent 65537 as %s', (bits, apdu) => {
    expect(toHex(encodeCommandApdu(generateKeyPairCommand(bits)))).toBe(apdu);
  });

  it('gives the exponent bits from the exponent given', () => {
    expect(toHex(generateKeyPairCommand(2048, hex('03')).data!)).toBe('92 00 08 00 00 08 03');
  });

  it.each([0, 1001, 2047, 0x1_0000])('refuses a modulus of %i bits with a RangeError', (bits) => {
    expect(() => generateKeyPairCommand(bits)).toThrow(RangeError);
  });

  it('reads the public key with 00 CA 01 01 00', () => {
    expect(toHex(encodeCommandApdu(getPublicKeyCommand()))).toBe('00 CA 01 01 00');
  });

  it('reads a public key answer, modulus bits then the modulus, into the key', () => {
    const {publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
    const modulus = new Uint8Array(Buffer.from(publicKey.export({format: 'jwk'}).n!, 'base64url'));
    const answer = Uint8Array.of(0x08, 0x00, ...modulus);
    expect(decodePublicKeyAnswer(answer)).toEqual({modulusBits: 2048, modulus});
  });

  it('reads a modulus whose size is not a whole number of bytes', () => {
    expect(decodePublicKeyAnswer(hex('00 0C 0A BC'))).toEqual({modulusBits: 12, modulus: hex('0A BC')});
  });

  it.each([
    ['no length field', '08'],
    ['a modulus one byte short', `04 00 ${'FF '.repeat(127).trim()}`],
    ['a modulus one byte long', `04 00 ${'FF '.repeat(129).trim()}`],
    ['a modulus with its top bit clear', `04 00 7F ${'FF '.repeat(127).trim()}`],
    ['zero bits', '00 00'],
  ])('refuses a public key answer with %s with CardDataError', (_, answer) => {
    expect(() => decodePublicKeyAnswer(hex(answer))).toThrow(CardDataError);
  });

  it('reads any bytes as a public key or throws CardDataError', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 300}), (answer) => {
        try {
          const key = decodePublicKeyAnswer(answer);
          expect(key.modulus.length).toBe(answer.length - 2);
        } catch (error) {
          expect(error).toBeInstanceOf(CardDataError);
        }
      }),
      {numRuns: 1000},
    );
  });
});

describe('security attributes', () => {
  it('write a directory file readable by all and updated after the Legitimering PIN', () => {
    const attributes = transparentFileAttributes({read: ALWAYS, update: AUTHENTICATION_PIN});
    expect(toHex(attributes)).toBe('01 01 02 06 81');
    expect(decodeSecurityAttributes('ef', attributes)).toEqual({
      read: ALWAYS,
      update: AUTHENTICATION_PIN,
    });
  });

  it('group operations of one condition in one sub-field, always first, then PINs by reference', () => {
    const attributes = transparentFileAttributes({
      delete: SIGNATURE_PIN,
      update: AUTHENTICATION_PIN,
      read: ALWAYS,
    });
    expect(toHex(attributes)).toBe('01 01 02 06 81 02 40 82');
    expect(toHex(transparentFileAttributes({read: ALWAYS, update: ALWAYS, delete: ALWAYS}))).toBe('01 47');
    expect(toHex(transparentFileAttributes({}))).toBe('');
  });

  it('write a signature key file: public key for all, generate and delete after PIN 81, PSO after PIN 82', () => {
    const attributes = keyFileAttributes({
      readPublicKey: ALWAYS,
      generate: AUTHENTICATION_PIN,
      delete: AUTHENTICATION_PIN,
      sign: SIGNATURE_PIN,
    });
    expect(toHex(attributes)).toBe('01 01 02 46 81 83 01 2A 82');
    expect(decodeSecurityAttributes('key', attributes)).toEqual({
      read: ALWAYS,
      generate: AUTHENTICATION_PIN,
      delete: AUTHENTICATION_PIN,
      sign: SIGNATURE_PIN,
    });
  });

  it('write PSO always allowed as 82 01 2A', () => {
    expect(toHex(keyFileAttributes({sign: ALWAYS}))).toBe('82 01 2A');
    expect(decodeSecurityAttributes('key', keyFileAttributes({sign: ALWAYS}))).toEqual({sign: ALWAYS});
  });

  it('refuse a PIN reference that is not a byte with a RangeError', () => {
    expect(() => transparentFileAttributes({read: {type: 'pin', reference: 0x181}})).toThrow(RangeError);
  });
});

describe('CREATE FILE', () => {
  it('describes a certificate file: 62 { 81 size, 82 01, 83 id, 86 attributes, 8A 07 }', () => {
    const securityAttributes = transparentFileAttributes({read: ALWAYS, update: AUTHENTICATION_PIN});
    const command = createFileCommand({
      fileId: 0x4333,
      descriptor: FileDescriptor.TransparentEf,
      size: 1500,
      securityAttributes,
    });
    expect(toHex(encodeCommandApdu(command))).toBe(
      '00 E0 00 00 17 62 15 81 02 05 DC 82 01 01 83 02 43 33 86 05 01 01 02 06 81 8A 01 07',
    );
    expect(fileFromCreateData(command.data!)).toMatchObject({
      kind: 'ef',
      fid: 0x4333,
      content: new Uint8Array(1500),
      securityAttributes,
      lifeCycle: 0x07,
    });
  });

  it('describes a key file with size 00 00, as OpenSC does for the EID applet', () => {
    const securityAttributes = keyFileAttributes({
      readPublicKey: ALWAYS,
      generate: AUTHENTICATION_PIN,
      sign: AUTHENTICATION_PIN,
    });
    const command = createFileCommand({
      fileId: 0x4b03,
      descriptor: FileDescriptor.KeyFile,
      size: 1024,
      securityAttributes,
    });
    expect(toHex(command.data!)).toBe(
      '62 19 81 02 00 00 82 01 11 83 02 4B 03 86 09 01 01 02 04 81 83 01 2A 81 8A 01 07',
    );
    expect(fileFromCreateData(command.data!)).toMatchObject({kind: 'key', fid: 0x4b03, securityAttributes});
  });

  it('refuses a size that does not fit two bytes with a RangeError', () => {
    expect(() =>
      createFileCommand({
        fileId: 0x4333,
        descriptor: FileDescriptor.TransparentEf,
        size: 0x1_0000,
        securityAttributes: new Uint8Array(),
      }),
    ).toThrow(RangeError);
  });
});
