import {createPublicKey, X509Certificate} from 'node:crypto';
import fc from 'fast-check';
import {beforeAll, describe, expect, it} from 'vitest';
import {concatBytes, encodeTlv} from '../../../source/apdu/tlv.js';
import {CardDataError} from '../../../source/card/errors.js';
import {
  type AodfEntry,
  type CdfEntry,
  decodeAodf,
  decodeCdf,
  decodeDir,
  decodeOdf,
  decodePrkdf,
  decodeTokenInfo,
  DirectoryKind,
  type DirRecord,
  encodeAodf,
  encodeCdf,
  encodeDir,
  encodeOdf,
  encodePrkdf,
  encodeTokenInfo,
  objectsEnded,
  type KeyAccessFlag,
  type KeyUsage,
  type ObjectFlag,
  type OdfEntry,
  type PinFlag,
  type PinObject,
  PinType,
  type PrivateRsaKeyObject,
  type PrkdfEntry,
  resolvePath,
  type TokenFlag,
  type TokenInfo,
  type X509CertificateObject,
} from '../../../source/card/pkcs15/objects.js';
import {blankEidCard, oldSithsEidCard} from '../../../source/card/virtual/eid/profiles.js';
import * as fixture from '../../../source/card/virtual/eid/pkcs15-fixture.js';
import type {CardFile} from '../../../source/card/virtual/eid/state.js';
import {createCertificateAuthority} from '../../../source/pki/issue.js';
import {mutated} from '../../apdu/mutations.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';

/** A DER element built by hand: the tag byte, then the parts (bytes, or hex text) with their length. */
function t(tag: number, ...parts: (Uint8Array | string)[]): Uint8Array {
  return encodeTlv(tag, concatBytes(parts.map((part) => (typeof part === 'string' ? hex(part) : part))));
}

function ascii(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function padded(bytes: Uint8Array, size: number, byte = 0x00): Uint8Array {
  const out = new Uint8Array(size).fill(byte);
  out.set(bytes);
  return out;
}

const PKCS15_AID = hex('A0 00 00 00 63 50 4B 43 53 2D 31 35');
const APP = hex('3F 00 50 15');
const appPath = (fid: string) => concatBytes([APP, hex(fid)]);

/** The SITHS Legitimering PIN of ../shared/SITHS-CARD.md section 5.3, as the tool reads it. */
const LEGITIMERING_PIN: PinObject = {
  type: 'pin',
  label: 'Legitimering',
  objectFlags: ['private', 'modifiable'],
  pukAuthId: hex('03'),
  authId: hex('01'),
  flags: ['initialized', 'needs-padding'],
  pinType: PinType.AsciiNumeric,
  minLength: 6,
  storedLength: 8,
  maxLength: 8,
  reference: 0x81,
  padChar: 0x00,
};

/** The same PIN object, spelled out in DER from the ASN.1 of PKCS#15 v1.1 clause 6.8. */
const LEGITIMERING_PIN_DER = t(
  0x30,
  t(0x30, t(0x0c, ascii('Legitimering')), '03 02 06 C0', '04 01 03'),
  t(0x30, '04 01 01'),
  t(0xa1, t(0x30, '03 02 02 0C', '0A 01 01', '02 01 06', '02 01 08', '02 01 08', '80 02 00 81', '04 01 00')),
);

describe('EF.DIR', () => {
  it('reads the application template the fixture builder writes', () => {
    const bytes = fixture.encodeDir(PKCS15_AID, 'SITHS', APP);
    expect(decodeDir(bytes)).toEqual([{aid: PKCS15_AID, label: 'SITHS', path: APP}]);
  });

  it('reads several templates, skips elements it does not know, and stops at 00 or FF padding', () => {
    const first = t(0x61, t(0x4f, PKCS15_AID), t(0x50, ascii('one')), t(0x51, APP));
    const second = t(0x61, t(0x4f, 'D2 76 00 00 01'), t(0x73, '02 01 00'));
    for (const pad of [0x00, 0xff]) {
      const bytes = padded(concatBytes([first, second]), 64, pad);
      expect(decodeDir(bytes)).toEqual([
        {aid: PKCS15_AID, label: 'one', path: APP},
        {aid: hex('D2 76 00 00 01')},
      ]);
    }
  });

  it('writes each record as 61 { 4F, 50, 51 } and reads it back', () => {
    const records: DirRecord[] = [{aid: PKCS15_AID, label: 'SITHS', path: APP}, {aid: hex('A0 00')}];
    const bytes = encodeDir(records);
    expect(toHex(bytes.subarray(0, 2))).toBe('61 1B');
    expect(bytes).toEqual(
      concatBytes([fixture.encodeDir(PKCS15_AID, 'SITHS', APP), hex('61 04 4F 02 A0 00')]),
    );
    expect(decodeDir(bytes)).toEqual(records);
  });

  it.each([
    ['a template without an AID', '61 03 50 01 41'],
    ['another tag where a template belongs', '62 03 4F 01 41'],
    ['a truncated template', '61 05 4F 01 41'],
  ])('refuses %s with CardDataError', (_, bytes) => {
    expect(() => decodeDir(hex(bytes))).toThrow(CardDataError);
  });
});

describe('the end of a directory file’s objects', () => {
  const key = t(0x30, t(0x30, t(0x0c, ascii('Legitimering'))), t(0x30, t(0x04, '45')));
  it('comes at the first 00 or FF padding byte after whole objects', () => {
    for (const pad of [0x00, 0xff]) {
      expect(objectsEnded(padded(key, key.length + 1, pad))).toBe(true);
      expect(objectsEnded(padded(concatBytes([key, key]), 256, pad))).toBe(true);
      expect(objectsEnded(Uint8Array.of(pad))).toBe(true);
    }
  });

  it('has not come while an object is cut off, the bytes end with an object, or they do not parse', () => {
    expect(objectsEnded(new Uint8Array())).toBe(false);
    expect(objectsEnded(key)).toBe(false);
    expect(objectsEnded(concatBytes([key, key.subarray(0, 5)]))).toBe(false);
    expect(objectsEnded(hex('30 84 00 00 00 01 00 00'))).toBe(false);
  });
});

describe('ODF', () => {
  it('reads the directory paths the fixture builder writes, with padding after them', () => {
    const bytes = fixture.encodeOdf([
      {type: 'aodf', path: appPath('4401')},
      {type: 'prkdf', path: appPath('4402')},
      {type: 'cdf', path: appPath('4404')},
      {type: 'trusted-cdf', path: appPath('4405')},
    ]);
    expect(decodeOdf(padded(bytes, 128))).toEqual([
      {type: 'directory', kind: DirectoryKind.AuthObjects, path: appPath('4401')},
      {type: 'directory', kind: DirectoryKind.PrivateKeys, path: appPath('4402')},
      {type: 'directory', kind: DirectoryKind.Certificates, path: appPath('4404')},
      {type: 'directory', kind: DirectoryKind.TrustedCertificates, path: appPath('4405')},
    ]);
  });

  it('reads every PKCS15Objects choice, a relative path, and keeps a choice beyond [8] as unknown', () => {
    const choices = Array.from({length: 9}, (_, kind) => t(0xa0 + kind, t(0x30, t(0x04, `44 0${kind}`))));
    const future = t(0xa9, t(0x30, '04 02 44 09'));
    const entries = decodeOdf(concatBytes([...choices, future, hex('FF FF')]));
    expect(entries.slice(0, 9)).toEqual(
      Array.from({length: 9}, (_, kind) => ({type: 'directory', kind, path: hex(`44 0${kind}`)})),
    );
    expect(entries[9]).toEqual({type: 'unknown', der: future});
    expect(encodeOdf(entries)).toEqual(concatBytes([...choices, future]));
  });

  it('keeps an entry that holds its objects instead of a Path as unknown', () => {
    const objects = t(0xa0, t(0xa0, LEGITIMERING_PIN_DER));
    expect(decodeOdf(objects)).toEqual([{type: 'unknown', der: objects}]);
  });

  it('reads a Path that also gives index and length', () => {
    const bytes = t(0xa4, t(0x30, '04 04 3F 00 44 04', '02 01 00', '80 02 01 00'));
    expect(decodeOdf(bytes)).toEqual([
      {type: 'directory', kind: DirectoryKind.Certificates, path: hex('3F 00 44 04')},
    ]);
  });

  it('reads an empty file (all padding) as no entries', () => {
    expect(decodeOdf(new Uint8Array(32))).toEqual([]);
    expect(decodeOdf(new Uint8Array())).toEqual([]);
  });

  it.each([
    ['an entry that is not a context-tagged choice', '30 04 04 02 44 01'],
    ['an entry without a Path', 'A0 00'],
    ['an entry holding an OCTET STRING', 'A0 04 04 02 44 01'],
    ['a truncated entry', 'A0 06 30 04 04 02 44'],
  ])('refuses %s with CardDataError', (_, bytes) => {
    expect(() => decodeOdf(hex(bytes))).toThrow(CardDataError);
  });
});

describe('TokenInfo', () => {
  it('reads what the fixture builder writes', () => {
    const bytes = fixture.encodeTokenInfo({
      serialNumber: hex('01 23 45 67 89 AB CD EF'),
      manufacturer: 'Test issuer',
      label: 'SITHS-like (test)',
      flags: ['loginRequired', 'prnGeneration', 'eidCompliant'],
    });
    expect(decodeTokenInfo(padded(bytes, 80))).toEqual({
      version: 0,
      serialNumber: hex('01 23 45 67 89 AB CD EF'),
      manufacturerId: 'Test issuer',
      label: 'SITHS-like (test)',
      flags: ['loginRequired', 'prnGeneration', 'eidCompliant'],
    });
  });

  it('reads a TokenInfo with only version and tokenflags, and skips the fields after tokenflags', () => {
    const bytes = t(0x30, '02 01 01', '03 01 00', t(0xa5, t(0x18, ascii('20260101000000Z'))));
    expect(decodeTokenInfo(bytes)).toEqual({version: 1, flags: []});
  });

  it('reads a label written as an explicit [0] { UTF8String }, as OpenSC does for some cards', () => {
    const bytes = t(0x30, '02 01 00', t(0xa0, t(0x0c, ascii('Kort'))), '03 02 07 80');
    expect(decodeTokenInfo(bytes)).toEqual({version: 0, label: 'Kort', flags: ['readonly']});
  });

  it('writes version, serial, manufacturer, label [0] and flags as DER and reads them back', () => {
    const info: TokenInfo = {
      version: 0,
      serialNumber: hex('92 40 00 00 12 34 56'),
      manufacturerId: 'Setec',
      label: 'SITHS',
      flags: ['loginRequired', 'prnGeneration'],
    };
    const bytes = encodeTokenInfo(info);
    expect(bytes).toEqual(
      t(
        0x30,
        '02 01 00',
        t(0x04, '92 40 00 00 12 34 56'),
        t(0x0c, ascii('Setec')),
        t(0x80, ascii('SITHS')),
        '03 02 05 60',
      ),
    );
    expect(decodeTokenInfo(bytes)).toEqual(info);
  });

  it.each([
    ['no tokenflags', '30 03 02 01 00'],
    ['no version', '30 02 03 00'],
    ['two objects', '30 05 02 01 00 03 00 30 00'],
    ['nothing', '00 00'],
    ['a BIT STRING with nine unused bits', '30 07 02 01 00 03 02 09 00'],
  ])('refuses a TokenInfo with %s with CardDataError', (_, bytes) => {
    expect(() => decodeTokenInfo(hex(bytes))).toThrow(CardDataError);
  });
});

describe('AODF', () => {
  it('reads the SITHS PIN objects the fixture builder writes', () => {
    const common = {
      objectFlags: ['private', 'modifiable'] as const,
      storedLength: 8,
      maxLength: 8,
      padChar: 0,
    };
    const bytes = fixture.encodeAodf([
      {
        ...common,
        label: 'Legitimering',
        authId: 1,
        reference: 0x81,
        flags: ['initialized', 'needs-padding'],
        minLength: 6,
        pukAuthId: 3,
      },
      {
        ...common,
        label: 'Underskrift',
        authId: 2,
        reference: 0x82,
        flags: ['initialized', 'needs-padding'],
        minLength: 6,
        pukAuthId: 3,
      },
      {
        ...common,
        objectFlags: ['private'],
        label: 'PUK',
        authId: 3,
        reference: 0x83,
        flags: ['change-disabled', 'initialized', 'needs-padding', 'unblockingPin'],
        minLength: 8,
      },
    ]);
    const {pukAuthId: _, ...withoutPuk} = LEGITIMERING_PIN;
    expect(decodeAodf(padded(bytes, 512))).toEqual([
      LEGITIMERING_PIN,
      {...LEGITIMERING_PIN, label: 'Underskrift', authId: hex('02'), reference: 0x82},
      {
        ...withoutPuk,
        label: 'PUK',
        objectFlags: ['private'],
        authId: hex('03'),
        reference: 0x83,
        flags: ['change-disabled', 'initialized', 'needs-padding', 'unblockingPin'],
        minLength: 8,
      },
    ]);
  });

  it('writes the Legitimering PIN exactly as the ASN.1 spells it, reference 0x81 as 80 02 00 81', () => {
    expect(toHex(encodeAodf([LEGITIMERING_PIN]))).toBe(toHex(LEGITIMERING_PIN_DER));
    expect(decodeAodf(LEGITIMERING_PIN_DER)).toEqual([LEGITIMERING_PIN]);
  });

  it.each([
    ['80 01 01', 0x01],
    ['80 02 00 81', 0x81],
    ['80 01 81', 0x81],
    ['80 01 FF', 0xff],
  ])('reads the PIN reference %s as %i', (reference, expected) => {
    const bytes = t(
      0x30,
      '30 00',
      '30 03 04 01 01',
      t(0xa1, t(0x30, '03 01 00', '0A 01 00', '02 01 04', '02 01 08', reference)),
    );
    expect(decodeAodf(bytes)).toEqual([
      {
        type: 'pin',
        label: '',
        objectFlags: [],
        authId: hex('01'),
        flags: [],
        pinType: PinType.Bcd,
        minLength: 4,
        storedLength: 8,
        reference: expected,
      },
    ]);
  });

  it('reads a PIN without maxLength, reference, padChar or path, and writes it back the same', () => {
    const bytes = t(
      0x30,
      t(0x30, t(0x0c, ascii('PIN'))),
      '30 03 04 01 07',
      t(0xa1, t(0x30, '03 02 07 80', '0A 01 02', '02 01 04', '02 01 10')),
    );
    const [pin] = decodeAodf(bytes);
    expect(pin).toEqual({
      type: 'pin',
      label: 'PIN',
      objectFlags: [],
      authId: hex('07'),
      flags: ['case-sensitive'],
      pinType: PinType.Utf8,
      minLength: 4,
      storedLength: 16,
    });
    expect(encodeAodf([pin!])).toEqual(bytes);
  });

  it('reads lastPinChange and the path of a local PIN, and the high PIN flags', () => {
    const bytes = t(
      0x30,
      '30 00',
      '30 03 04 01 01',
      t(
        0xa1,
        t(
          0x30,
          '03 03 04 42 10',
          '0A 01 01',
          '02 01 04',
          '02 01 08',
          '02 01 08',
          '80 01 01',
          '04 01 FF',
          t(0x18, ascii('20240101120000Z')),
          t(0x30, '04 04 3F 00 50 15'),
        ),
      ),
    );
    const [pin] = decodeAodf(bytes);
    expect(pin).toMatchObject({
      flags: ['local', 'unblockingPin', 'exchangeRefData'],
      padChar: 0xff,
      lastPinChange: '20240101120000Z',
      path: APP,
    });
    expect(encodeAodf([pin!])).toEqual(bytes);
  });

  it('keeps an authentication key or biometric object as unknown and writes it back unchanged', () => {
    const authKey = t(0xa1, '30 00', '30 03 04 01 09', t(0xa1, t(0x30, '04 01 09')));
    const biometric = t(0xa0, '30 00', '30 03 04 01 0A', t(0xa1, '30 00'));
    const entries = decodeAodf(concatBytes([authKey, LEGITIMERING_PIN_DER, biometric]));
    expect(entries).toEqual([
      {type: 'unknown', der: authKey},
      LEGITIMERING_PIN,
      {type: 'unknown', der: biometric},
    ]);
    expect(encodeAodf(entries)).toEqual(concatBytes([authKey, LEGITIMERING_PIN_DER, biometric]));
  });

  it.each([
    [
      'no authId',
      t(0x30, '30 00', '30 00', t(0xa1, t(0x30, '03 01 00', '0A 01 01', '02 01 04', '02 01 08'))),
    ],
    ['no pinType', t(0x30, '30 00', '30 03 04 01 01', t(0xa1, t(0x30, '03 01 00', '02 01 04', '02 01 08')))],
    [
      'a two-byte padChar',
      t(
        0x30,
        '30 00',
        '30 03 04 01 01',
        t(0xa1, t(0x30, '03 01 00', '0A 01 01', '02 01 04', '02 01 08', '04 02 00 00')),
      ),
    ],
    [
      'a negative minLength',
      t(0x30, '30 00', '30 03 04 01 01', t(0xa1, t(0x30, '03 01 00', '0A 01 01', '02 01 FC', '02 01 08'))),
    ],
    [
      'a five-octet storedLength',
      t(
        0x30,
        '30 00',
        '30 03 04 01 01',
        t(0xa1, t(0x30, '03 01 00', '0A 01 01', '02 01 04', '02 05 01 00 00 00 00')),
      ),
    ],
    ['no typeAttributes', t(0x30, '30 00', '30 03 04 01 01')],
    ['a universal INTEGER where an object belongs', hex('02 01 00')],
  ])('refuses a PIN object with %s with CardDataError', (_, bytes) => {
    expect(() => decodeAodf(bytes)).toThrow(CardDataError);
  });
});

describe('PrKDF', () => {
  const authenticationKey: PrivateRsaKeyObject = {
    type: 'rsa',
    label: 'Legitimering key',
    objectFlags: ['private'],
    authId: hex('01'),
    id: hex('01'),
    usage: ['sign'],
    isNative: true,
    accessFlags: ['sensitive', 'alwaysSensitive', 'neverExtractable', 'local'],
    keyReference: 1,
    path: appPath('4B01'),
    modulusLength: 2048,
  };

  it('reads the SITHS key objects the fixture builder writes, userConsent on the signature key', () => {
    const bytes = fixture.encodePrkdf([
      {
        label: 'Legitimering key',
        id: 1,
        authId: 1,
        usage: ['sign'],
        keyReference: 1,
        path: appPath('4B01'),
        modulusLength: 2048,
      },
      {
        label: 'Underskrift key',
        id: 2,
        authId: 2,
        userConsent: 1,
        usage: ['nonRepudiation'],
        keyReference: 2,
        path: appPath('4B02'),
        modulusLength: 2048,
      },
    ]);
    expect(decodePrkdf(padded(bytes, 1024))).toEqual([
      authenticationKey,
      {
        ...authenticationKey,
        label: 'Underskrift key',
        authId: hex('02'),
        userConsent: 1,
        id: hex('02'),
        usage: ['nonRepudiation'],
        keyReference: 2,
        path: appPath('4B02'),
      },
    ]);
  });

  it('writes a key as DER with native left out and reads it back', () => {
    const bytes = encodePrkdf([authenticationKey]);
    expect(toHex(bytes)).toBe(
      toHex(
        t(
          0x30,
          t(0x30, t(0x0c, ascii('Legitimering key')), '03 02 07 80', '04 01 01'),
          t(0x30, '04 01 01', '03 02 05 20', '03 02 03 B8', '02 01 01'),
          t(0xa1, t(0x30, t(0x30, t(0x04, appPath('4B01'))), '02 02 08 00')),
        ),
      ),
    );
    expect(decodePrkdf(bytes)).toEqual([authenticationKey]);
  });

  it('reads a minimal key: no label, flags, authId, native, access flags or key reference', () => {
    const bytes = t(
      0x30,
      '30 00',
      t(0x30, '04 02 45 46', '03 03 06 20 40'),
      t(0xa0, '30 00'),
      t(0xa1, t(0x30, '30 00', '02 02 04 00')),
    );
    expect(decodePrkdf(bytes)).toEqual([
      {
        type: 'rsa',
        label: '',
        objectFlags: [],
        id: hex('45 46'),
        usage: ['sign', 'nonRepudiation'],
        isNative: true,
        path: new Uint8Array(),
        modulusLength: 1024,
      },
    ]);
  });

  it('reads native FALSE and a key reference written negative (02 01 81 as 0x81)', () => {
    const bytes = t(
      0x30,
      '30 00',
      t(0x30, '04 01 03', '03 02 06 40', '01 01 00', '02 01 81'),
      t(0xa1, t(0x30, '30 04 04 02 4B 03', '02 02 08 00')),
    );
    const [key] = decodePrkdf(bytes);
    expect(key).toMatchObject({isNative: false, keyReference: 0x81, usage: ['decrypt'], path: hex('4B 03')});
    expect(decodePrkdf(encodePrkdf([key!]))).toEqual([key]);
  });

  it('keeps an EC key as unknown between RSA keys and writes it back unchanged', () => {
    const ecKey = t(
      0xa0,
      t(0x30, t(0x0c, ascii('EC'))),
      t(0x30, '04 01 09', '03 02 05 20'),
      t(0xa1, t(0x30, '30 04 04 02 4B 09')),
    );
    const rsa = encodePrkdf([authenticationKey]);
    const entries = decodePrkdf(concatBytes([rsa, ecKey, rsa]));
    expect(entries).toEqual([authenticationKey, {type: 'unknown', der: ecKey}, authenticationKey]);
    expect(encodePrkdf(entries)).toEqual(concatBytes([rsa, ecKey, rsa]));
  });

  it.each([
    ['no iD', t(0x30, '30 00', t(0x30, '03 02 05 20'), t(0xa1, t(0x30, '30 00', '02 02 08 00')))],
    ['no modulusLength', t(0x30, '30 00', t(0x30, '04 01 01', '03 02 05 20'), t(0xa1, t(0x30, '30 00')))],
    [
      'a value that is not a Path',
      t(0x30, '30 00', t(0x30, '04 01 01', '03 02 05 20'), t(0xa1, t(0x30, '04 02 4B 01', '02 02 08 00'))),
    ],
    [
      'a two-byte BOOLEAN',
      t(
        0x30,
        '30 00',
        t(0x30, '04 01 01', '03 02 05 20', '01 02 00 00'),
        t(0xa1, t(0x30, '30 00', '02 02 08 00')),
      ),
    ],
    [
      'an empty INTEGER',
      t(0x30, '30 00', t(0x30, '04 01 01', '03 02 05 20'), t(0xa1, t(0x30, '30 00', '02 00'))),
    ],
    [
      'a constructed OCTET STRING',
      t(0x30, '30 00', t(0x30, '24 03 04 01 01', '03 02 05 20'), t(0xa1, t(0x30, '30 00', '02 02 08 00'))),
    ],
  ])('refuses a key object with %s with CardDataError', (_, bytes) => {
    expect(() => decodePrkdf(bytes)).toThrow(CardDataError);
  });
});

describe('CDF', () => {
  const certificate: X509CertificateObject = {
    type: 'x509',
    label: 'Legitimering cert',
    objectFlags: [],
    id: hex('01'),
    isAuthority: false,
    path: appPath('4331'),
  };

  it('reads the user and CA certificate objects the fixture builder writes', () => {
    const user = fixture.encodeCdf([
      {label: 'Legitimering cert', id: 1, isAuthority: false, path: appPath('4331')},
    ]);
    const trusted = fixture.encodeCdf([
      {label: 'CA cert', id: 0x10, isAuthority: true, path: appPath('4341')},
    ]);
    expect(decodeCdf(padded(user, 1024))).toEqual([certificate]);
    expect(decodeCdf(padded(trusted, 1024, 0xff))).toEqual([
      {...certificate, label: 'CA cert', id: hex('10'), isAuthority: true, path: appPath('4341')},
    ]);
  });

  it('reads an authority certificate built by hand and writes it back the same', () => {
    const bytes = t(
      0x30,
      t(0x30, t(0x0c, ascii('CA')), '03 02 06 40'),
      t(0x30, '04 01 10', '01 01 FF'),
      t(0xa1, t(0x30, t(0x30, t(0x04, appPath('4341'))))),
    );
    const entries = decodeCdf(bytes);
    expect(entries).toEqual([
      {
        type: 'x509',
        label: 'CA',
        objectFlags: ['modifiable'],
        id: hex('10'),
        isAuthority: true,
        path: appPath('4341'),
      },
    ]);
    expect(encodeCdf(entries)).toEqual(bytes);
  });

  it('reads the index and length of a certificate inside a larger file', () => {
    const bytes = t(
      0x30,
      '30 00',
      '30 03 04 01 01',
      t(0xa1, t(0x30, t(0x30, '04 02 43 31', '02 02 01 00', '80 02 03 05'))),
    );
    const entries = decodeCdf(bytes);
    expect(entries).toEqual([
      {
        type: 'x509',
        label: '',
        objectFlags: [],
        id: hex('01'),
        isAuthority: false,
        path: hex('43 31'),
        range: {index: 256, length: 773},
      },
    ]);
    expect(encodeCdf(entries)).toEqual(bytes);
  });

  it('keeps a certificate held in the CDF itself, and other certificate types, as unknown', () => {
    const direct = t(0x30, '30 00', '30 03 04 01 01', t(0xa1, t(0x30, t(0xa0, '30 00'))));
    const cvCertificate = t(0xa5, '30 00', '30 03 04 01 02', t(0xa1, '30 00'));
    const entries = decodeCdf(concatBytes([direct, cvCertificate, encodeCdf([certificate])]));
    expect(entries).toEqual([
      {type: 'unknown', der: direct},
      {type: 'unknown', der: cvCertificate},
      certificate,
    ]);
    expect(encodeCdf(entries)).toEqual(concatBytes([direct, cvCertificate, encodeCdf([certificate])]));
  });

  it('refuses a certificate object without a value with CardDataError', () => {
    expect(() => decodeCdf(t(0x30, '30 00', '30 03 04 01 01', t(0xa1, '30 00')))).toThrow(CardDataError);
  });
});

describe('paths', () => {
  it.each([
    ['an absolute path as it is', '3F 00 50 15 44 02', '3F 00 50 15 44 02'],
    ['a relative path below the application DF', '44 02', '3F 00 50 15 44 02'],
    ['an empty path empty', '', ''],
  ])('resolves %s', (_, path, expected) => {
    expect(toHex(resolvePath(APP, hex(path)))).toBe(expected);
  });
});

/** The file at `path` (2-byte identifiers from the MF) of a virtual card. */
function fileAt(root: CardFile, path: Uint8Array): CardFile {
  expect(toHex(path.subarray(0, 2))).toBe('3F 00');
  let file = root;
  for (let offset = 2; offset < path.length; offset += 2) {
    const fid = (path[offset]! << 8) | path[offset + 1]!;
    const child = file.kind === 'df' ? file.children.find((candidate) => candidate.fid === fid) : undefined;
    if (child === undefined) throw new Error(`no file ${toHex(path)}`);
    file = child;
  }
  return file;
}

/** The content of the transparent EF at `path`. */
function contentAt(root: CardFile, path: Uint8Array): Uint8Array {
  const file = fileAt(root, path);
  if (file.kind !== 'ef') throw new Error(`${toHex(path)} is not a transparent EF`);
  return file.content;
}

/** The absolute path of each directory file the ODF of `root` lists, by kind. */
function directories(root: CardFile): Map<DirectoryKind, Uint8Array> {
  const [application] = decodeDir(contentAt(root, hex('3F 00 2F 00')));
  const appPath = application!.path!;
  const odf = decodeOdf(contentAt(root, resolvePath(appPath, hex('50 31'))));
  return new Map(
    odf.flatMap((entry) =>
      entry.type === 'directory' ? [[entry.kind, resolvePath(appPath, entry.path)]] : [],
    ),
  );
}

describe('the files of the virtual old-siths card', () => {
  let root: CardFile;
  beforeAll(async () => {
    const now = new Date();
    const issuer = await createCertificateAuthority({
      name: [
        {type: 'countryName', value: 'SE'},
        {type: 'commonName', value: 'Old Demo CA'},
      ],
      keyAlgorithm: 'ecc-p256',
      notBefore: new Date(now.getTime() - 3 * 365 * 86_400_000),
      notAfter: new Date(now.getTime() + 3 * 365 * 86_400_000),
    });
    const card = await oldSithsEidCard({
      holder: {
        givenName: 'Anna',
        surname: 'Andersson',
        hsaId: 'SE2321000016-7Q3A',
        cardNumber: '97520001234567',
      },
      issuer,
      now,
    });
    root = card.root;
  }, 60_000);

  it("lead from each key to its key file, its PIN and its certificate, whose public key is the key file's", () => {
    const found = directories(root);
    const pins = decodeAodf(contentAt(root, found.get(DirectoryKind.AuthObjects)!));
    const keys = decodePrkdf(contentAt(root, found.get(DirectoryKind.PrivateKeys)!));
    const certificates = decodeCdf(contentAt(root, found.get(DirectoryKind.Certificates)!));
    expect(keys.map((key) => key.type === 'rsa' && [key.label, key.usage, key.userConsent])).toEqual([
      ['Legitimering key', ['sign'], undefined],
      ['Underskrift key', ['nonRepudiation'], 1],
    ]);
    for (const key of keys) {
      if (key.type !== 'rsa') throw new Error('not an RSA key');
      const pin = pins.find(
        (candidate) => candidate.type === 'pin' && toHex(candidate.authId) === toHex(key.authId!),
      );
      expect(pin?.type === 'pin' && pin.reference).toBe(key.label.startsWith('Legitimering') ? 0x81 : 0x82);
      const keyFile = fileAt(root, resolvePath(APP, key.path));
      if (keyFile.kind !== 'key' || keyFile.privateKey === undefined)
        throw new Error('no key in the key file');
      expect(key.modulusLength).toBe(keyFile.privateKey.asymmetricKeyDetails?.modulusLength);
      const certificate = certificates.find(
        (candidate) => candidate.type === 'x509' && toHex(candidate.id) === toHex(key.id),
      );
      if (certificate?.type !== 'x509') throw new Error('no certificate for the key');
      const x509 = new X509Certificate(contentAt(root, resolvePath(APP, certificate.path)));
      expect(x509.publicKey.equals(createPublicKey(keyFile.privateKey))).toBe(true);
    }
  });

  it("list the issuer's certificate in the trusted CDF as an authority", () => {
    const trusted = decodeCdf(contentAt(root, directories(root).get(DirectoryKind.TrustedCertificates)!));
    expect(trusted).toHaveLength(1);
    const [ca] = trusted;
    if (ca?.type !== 'x509') throw new Error('not an X.509 certificate');
    expect(ca.isAuthority).toBe(true);
    expect(new X509Certificate(contentAt(root, ca.path)).subject).toContain('CN=Old Demo CA');
  });
});

describe('the files of the virtual blank card', () => {
  /** The content of the file at `fids` below the card's MF. */
  function content(root: CardFile, ...fids: number[]): Uint8Array {
    return contentAt(root, Uint8Array.from([0x3f, 0x00, ...fids.flatMap((fid) => [fid >> 8, fid & 0xff])]));
  }

  it('are written back byte for byte where the fixture builder writes DER: EF.DIR, ODF, TokenInfo, AODF', () => {
    const {root} = blankEidCard({cardNumber: '92400000123456'});
    const files: [Uint8Array, (bytes: Uint8Array) => Uint8Array][] = [
      [content(root, 0x2f00), (bytes) => encodeDir(decodeDir(bytes))],
      [content(root, 0x5015, 0x5031), (bytes) => encodeOdf(decodeOdf(bytes))],
      [content(root, 0x5015, 0x5032), (bytes) => encodeTokenInfo(decodeTokenInfo(bytes))],
      [
        contentAt(root, directories(root).get(DirectoryKind.AuthObjects)!),
        (bytes) => encodeAodf(decodeAodf(bytes)),
      ],
    ];
    for (const [bytes, rewrite] of files) {
      const written = rewrite(bytes);
      expect(written).toEqual(bytes.subarray(0, written.length));
      expect(bytes.subarray(written.length).every((byte) => byte === 0)).toBe(true);
    }
  });

  it('are found from EF.DIR through the ODF and read, the empty directories as no objects', () => {
    const {root} = blankEidCard({cardNumber: '92400000123456'});
    const [application] = decodeDir(content(root, 0x2f00));
    expect(application).toEqual({aid: PKCS15_AID, label: 'SITHS', path: APP});
    const odf = decodeOdf(content(root, 0x5015, 0x5031));
    const pathOf = (kind: DirectoryKind) => {
      const entry = odf.find((candidate) => candidate.type === 'directory' && candidate.kind === kind);
      if (entry?.type !== 'directory') throw new Error('missing');
      return [0x5015, (entry.path[4]! << 8) | entry.path[5]!] as const;
    };
    expect(decodeTokenInfo(content(root, 0x5015, 0x5032))).toMatchObject({
      serialNumber: hex('92 40 00 00 12 34 56'),
      flags: ['loginRequired', 'prnGeneration', 'eidCompliant'],
    });
    const pins = decodeAodf(content(root, ...pathOf(DirectoryKind.AuthObjects)));
    expect(pins.map((pin) => pin.type === 'pin' && [pin.label, pin.reference])).toEqual([
      ['Legitimering', 0x81],
      ['Underskrift', 0x82],
      ['PUK', 0x83],
    ]);
    expect(decodePrkdf(content(root, ...pathOf(DirectoryKind.PrivateKeys)))).toEqual([]);
    expect(decodeCdf(content(root, ...pathOf(DirectoryKind.Certificates)))).toEqual([]);
    expect(decodeCdf(content(root, ...pathOf(DirectoryKind.TrustedCertificates)))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Round trips and fuzzing

const id = fc.uint8Array({minLength: 1, maxLength: 8});
const path = fc.uint8Array({maxLength: 12});
const label = fc.string({maxLength: 40});
const count = fc.integer({min: 0, max: 0xffff});
const reference = fc.integer({min: 0, max: 0xff});
function flags<Name extends string>(names: readonly Name[]): fc.Arbitrary<Name[]> {
  return fc.subarray([...names]);
}
const OBJECT_FLAGS: readonly ObjectFlag[] = ['private', 'modifiable'];
const PIN_FLAGS: readonly PinFlag[] = [
  'case-sensitive',
  'local',
  'change-disabled',
  'unblock-disabled',
  'initialized',
  'needs-padding',
  'unblockingPin',
  'soPin',
  'disable-allowed',
  'integrity-protected',
  'confidentiality-protected',
  'exchangeRefData',
];
const KEY_USAGES: readonly KeyUsage[] = [
  'encrypt',
  'decrypt',
  'sign',
  'signRecover',
  'wrap',
  'unwrap',
  'verify',
  'verifyRecover',
  'derive',
  'nonRepudiation',
];
const ACCESS_FLAGS: readonly KeyAccessFlag[] = [
  'sensitive',
  'extractable',
  'alwaysSensitive',
  'neverExtractable',
  'local',
];
const TOKEN_FLAGS: readonly TokenFlag[] = ['readonly', 'loginRequired', 'prnGeneration', 'eidCompliant'];

const pinObject: fc.Arbitrary<PinObject> = fc.record(
  {
    type: fc.constant('pin' as const),
    label,
    objectFlags: flags(OBJECT_FLAGS),
    pukAuthId: id,
    authId: id,
    flags: flags(PIN_FLAGS),
    pinType: fc.constantFrom(...[0, 1, 2, 3, 4].map((value) => value as PinType)),
    minLength: count,
    storedLength: count,
    maxLength: count,
    reference,
    padChar: fc.integer({min: 0, max: 0xff}),
    lastPinChange: fc.constant('20260101000000Z'),
    path,
  },
  {requiredKeys: ['type', 'label', 'objectFlags', 'authId', 'flags', 'pinType', 'minLength', 'storedLength']},
);

const rsaKey: fc.Arbitrary<PrivateRsaKeyObject> = fc.record(
  {
    type: fc.constant('rsa' as const),
    label,
    objectFlags: flags(OBJECT_FLAGS),
    authId: id,
    userConsent: fc.integer({min: 0, max: 100}),
    id,
    usage: flags(KEY_USAGES),
    isNative: fc.boolean(),
    accessFlags: flags(ACCESS_FLAGS),
    keyReference: reference,
    path,
    modulusLength: fc.constantFrom(1024, 2048, 3072, 4096),
  },
  {requiredKeys: ['type', 'label', 'objectFlags', 'id', 'usage', 'isNative', 'path', 'modulusLength']},
);

const certificateObject: fc.Arbitrary<X509CertificateObject> = fc.record(
  {
    type: fc.constant('x509' as const),
    label,
    objectFlags: flags(OBJECT_FLAGS),
    authId: id,
    id,
    isAuthority: fc.boolean(),
    path,
    range: fc.record({index: count, length: count}),
  },
  {requiredKeys: ['type', 'label', 'objectFlags', 'id', 'isAuthority', 'path']},
);

const unknownObject = (tag: number) =>
  fc
    .uint8Array({maxLength: 20})
    .map((value) => ({type: 'unknown' as const, der: t(tag, t(0x30, value.length ? t(0x04, value) : ''))}));

const odfEntry: fc.Arbitrary<OdfEntry> = fc.oneof(
  fc.record({
    type: fc.constant('directory' as const),
    kind: fc.integer({min: 0, max: 8}) as fc.Arbitrary<DirectoryKind>,
    path,
  }),
  unknownObject(0xa9),
);
const tokenInfo: fc.Arbitrary<TokenInfo> = fc.record(
  {
    version: fc.integer({min: 0, max: 3}),
    serialNumber: fc.uint8Array({maxLength: 16}),
    manufacturerId: label,
    label,
    flags: flags(TOKEN_FLAGS),
  },
  {requiredKeys: ['version', 'flags']},
);
const dirRecord: fc.Arbitrary<DirRecord> = fc.record(
  {aid: fc.uint8Array({minLength: 1, maxLength: 16}), label: fc.string({maxLength: 20}), path},
  {requiredKeys: ['aid']},
);

/** What fuzzed bytes must do: decode, or throw CardDataError; never any other error. */
function decodesOrCardDataError(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (error) {
    if (!(error instanceof CardDataError)) throw error;
  }
}

describe('round trips', () => {
  it('decodes what it encodes to the same objects, and encodes them again to the same bytes', () => {
    const check = <T>(
      entries: readonly T[],
      encode: (entries: readonly T[]) => Uint8Array,
      decode: (bytes: Uint8Array) => T[],
    ) => {
      const bytes = encode(entries);
      const decoded = decode(padded(bytes, bytes.length + 7));
      expect(decoded).toEqual(entries);
      expect(encode(decoded)).toEqual(bytes);
    };
    fc.assert(
      fc.property(
        fc.array(fc.oneof(pinObject, unknownObject(0xa1)) as fc.Arbitrary<AodfEntry>, {maxLength: 4}),
        fc.array(fc.oneof(rsaKey, unknownObject(0xa0)) as fc.Arbitrary<PrkdfEntry>, {maxLength: 4}),
        fc.array(fc.oneof(certificateObject, unknownObject(0xa5)) as fc.Arbitrary<CdfEntry>, {maxLength: 4}),
        fc.array(odfEntry, {maxLength: 10}),
        fc.array(dirRecord, {maxLength: 3}),
        tokenInfo,
        (aodf, prkdf, cdf, odf, dir, info) => {
          check(aodf, encodeAodf, decodeAodf);
          check(prkdf, encodePrkdf, decodePrkdf);
          check(cdf, encodeCdf, decodeCdf);
          check(odf, encodeOdf, decodeOdf);
          check(dir, encodeDir, decodeDir);
          expect(decodeTokenInfo(encodeTokenInfo(info))).toEqual(info);
        },
      ),
      {numRuns: 300},
    );
  });
});

describe('untrusted bytes', () => {
  const decoders = [decodeDir, decodeOdf, decodeTokenInfo, decodeAodf, decodePrkdf, decodeCdf] as const;

  it('random bytes decode or throw CardDataError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 300}), (bytes) => {
        for (const decode of decoders) decodesOrCardDataError(decode, bytes);
      }),
      {numRuns: 2000},
    );
  });

  it('random DER-looking bytes (a SEQUENCE or context tag first) decode or throw CardDataError', () => {
    const lookalike = fc
      .tuple(fc.constantFrom(0x30, 0x61, 0xa0, 0xa1, 0xa4, 0xa8), fc.uint8Array({maxLength: 120}))
      .map(([tag, body]) => concatBytes([Uint8Array.of(tag, body.length), body]));
    fc.assert(
      fc.property(lookalike, (bytes) => {
        for (const decode of decoders) decodesOrCardDataError(decode, bytes);
      }),
      {numRuns: 2000},
    );
  });

  it('deeply nested SEQUENCEs throw CardDataError, not a stack overflow', () => {
    let nested = hex('04 00');
    for (let depth = 0; depth < 5000; depth++) nested = t(0x30, nested);
    for (const decode of decoders) expect(() => decode(nested)).toThrow(CardDataError);
  });

  it('mutations of valid files decode or throw CardDataError, never anything else', () => {
    const valid = [
      {
        decode: decodeAodf,
        bytes: encodeAodf([
          LEGITIMERING_PIN,
          {...LEGITIMERING_PIN, label: 'PUK', reference: 0x83, path: APP},
        ]),
      },
      {
        decode: decodePrkdf,
        bytes: fixture.encodePrkdf([
          {
            label: 'Underskrift key',
            id: 2,
            authId: 2,
            userConsent: 1,
            usage: ['nonRepudiation'],
            keyReference: 2,
            path: appPath('4B02'),
            modulusLength: 2048,
          },
        ]),
      },
      {
        decode: decodeCdf,
        bytes: fixture.encodeCdf([{label: 'CA cert', id: 0x10, isAuthority: true, path: appPath('4341')}]),
      },
      {
        decode: decodeOdf,
        bytes: fixture.encodeOdf([
          {type: 'aodf', path: appPath('4401')},
          {type: 'cdf', path: appPath('4404')},
        ]),
      },
      {
        decode: decodeTokenInfo,
        bytes: fixture.encodeTokenInfo({
          serialNumber: hex('01 02'),
          manufacturer: 'm',
          label: 'l',
          flags: ['loginRequired'],
        }),
      },
      {decode: decodeDir, bytes: fixture.encodeDir(PKCS15_AID, 'SITHS', APP)},
    ];
    for (const {decode, bytes} of valid) {
      fc.assert(
        fc.property(mutated(fc.constant(bytes)), (mutation) => decodesOrCardDataError(decode, mutation)),
        {numRuns: 1500},
      );
    }
  });
});
