import {gzipSync} from 'node:zlib';
import fc from 'fast-check';
import {beforeAll, describe, expect, it} from 'vitest';
import {decodeTlvs, encodeTlv, encodeTlvs} from '../../../source/apdu/tlv.js';
import {CardDataError} from '../../../source/card/errors.js';
import {
  decodeApplicationProperties,
  decodeCertificateObject,
  decodeChuid,
  decodeDiscovery,
  decodeFascn,
  decodeKeyHistory,
  encodeCertificateObject,
  encodeChuid,
  encodeFascn,
  encodeKeyHistory,
  type Fascn,
  unwrapDataObject,
} from '../../../source/card/piv/objects.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';
import {encodeFascn as encodeFascnIndependently, someCertificate} from './card-objects.js';

/** The FASC-N yubico-piv-tool writes in its default CHUID (lib/ykpiv.c), and its fields. */
const YUBICO_FASCN = hex('D4 E7 39 DA 73 9C ED 39 CE 73 9D 83 68 58 21 08 42 10 84 21 C8 42 10 C3 EB');
const YUBICO_FIELDS: Fascn = {
  agencyCode: '9999',
  systemCode: '9999',
  credentialNumber: '999999',
  credentialSeries: '0',
  individualCredentialIssue: '1',
  personIdentifier: '0000000000',
  organizationalCategory: '3',
  organizationalIdentifier: '0000',
  personOrganizationAssociation: '1',
};

let certificate: Uint8Array;
beforeAll(async () => {
  certificate = await someCertificate();
});

describe('certificate objects', () => {
  it('wraps a certificate as 70 { DER } 71 00 FE 00, which the PIV session reads back', () => {
    const certificate = hex('30 03 02 01 05');
    const value = encodeCertificateObject(certificate);
    expect(toHex(value)).toBe('70 05 30 03 02 01 05 71 01 00 FE 00');
    expect(toHex(decodeCertificateObject(value)!.certificate)).toBe(toHex(certificate));
  });
  it('round-trips a certificate in the standard 70 / 71 00 / FE form', () => {
    const value = encodeCertificateObject(certificate);
    expect([value[0], value.at(-5), value.at(-4), value.at(-3), value.at(-2), value.at(-1)]).toEqual([
      0x70, 0x71, 0x01, 0x00, 0xfe, 0x00,
    ]);
    expect(decodeCertificateObject(value)).toEqual({certificate, isCompressed: false, isWrapped: true});
  });

  it('round-trips a gzip-compressed certificate (CertInfo 01)', () => {
    const value = encodeCertificateObject(certificate, true);
    expect(value.at(-3)).toBe(0x01);
    expect(decodeCertificateObject(value)).toEqual({certificate, isCompressed: true, isWrapped: true});
  });

  it('reads CertInfo 80 as compressed, as OpenSC does', () => {
    const value = encodeTlvs([
      {tag: 0x70, value: gzipSync(certificate)},
      {tag: 0x71, value: hex('80')},
    ]);
    expect(decodeCertificateObject(value)?.certificate).toEqual(certificate);
  });

  it('reads a certificate object without CertInfo and without FE', () => {
    expect(decodeCertificateObject(encodeTlv(0x70, certificate))).toEqual({
      certificate,
      isCompressed: false,
      isWrapped: true,
    });
  });

  it('reads a raw DER certificate without the 70 wrapper, and a bare gzip stream', () => {
    expect(decodeCertificateObject(certificate)).toEqual({
      certificate,
      isCompressed: false,
      isWrapped: false,
    });
    expect(decodeCertificateObject(new Uint8Array(gzipSync(certificate)))).toEqual({
      certificate,
      isCompressed: true,
      isWrapped: false,
    });
  });

  it('takes an empty object or an empty 70 as no certificate', () => {
    expect(decodeCertificateObject(new Uint8Array())).toBeUndefined();
    expect(decodeCertificateObject(hex('70 00 71 01 00 FE 00'))).toBeUndefined();
  });

  it('refuses an object that holds no certificate, and gzip that does not inflate', () => {
    expect(() => decodeCertificateObject(hex('01 02 03'))).toThrow(CardDataError);
    expect(() => decodeCertificateObject(hex('70 04 1F 8B 00 00 71 01 01'))).toThrow(CardDataError);
  });

  it('never throws anything but CardDataError, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({maxLength: 300}), (bytes) => {
        try {
          decodeCertificateObject(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(CardDataError);
        }
      }),
      {numRuns: 5000},
    );
  });
});

describe('unwrapDataObject', () => {
  it('takes the value of the 53 wrapper', () => {
    expect(unwrapDataObject(hex('53 03 01 02 03'))).toEqual(hex('01 02 03'));
    expect(unwrapDataObject(hex('53 00'))).toEqual(new Uint8Array());
  });

  it('takes an answer without a whole 53 wrapper as the object itself', () => {
    expect(unwrapDataObject(hex('70 01 00'))).toEqual(hex('70 01 00'));
    expect(unwrapDataObject(hex('53 05 01'))).toEqual(hex('53 05 01'));
  });
});

describe('decodeFascn', () => {
  it('reads the FASC-N of the yubico-piv-tool CHUID template', () => {
    expect(decodeFascn(YUBICO_FASCN)).toEqual(YUBICO_FIELDS);
  });

  it('round-trips any digits through an independent encoder', () => {
    const digits = (length: number) => fc.stringMatching(new RegExp(`^[0-9]{${length}}$`));
    fc.assert(
      fc.property(
        fc.record({
          agencyCode: digits(4),
          systemCode: digits(4),
          credentialNumber: digits(6),
          credentialSeries: digits(1),
          individualCredentialIssue: digits(1),
          personIdentifier: digits(10),
          organizationalCategory: digits(1),
          organizationalIdentifier: digits(4),
          personOrganizationAssociation: digits(1),
        }),
        (fields) => {
          expect(decodeFascn(encodeFascnIndependently(fields))).toEqual(fields);
        },
      ),
    );
  });

  it('refuses a flipped bit (parity), a wrong length and a wrong LRC', () => {
    const fascn = encodeFascnIndependently({
      agencyCode: '1234',
      systemCode: '5678',
      credentialNumber: '901234',
    });
    const flipped = Uint8Array.from(fascn);
    flipped[3]! ^= 0x10;
    expect(() => decodeFascn(flipped)).toThrow(/parity/);
    expect(() => decodeFascn(fascn.subarray(1))).toThrow(CardDataError);
    const badLrc = Uint8Array.from(fascn);
    badLrc[24]! ^= 0x18; // two data bits of the LRC character (b1, b2): parity still odd
    expect(() => decodeFascn(badLrc)).toThrow(/LRC/);
  });

  it('never throws anything but CardDataError on 25 random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({minLength: 25, maxLength: 25}), (bytes) => {
        try {
          decodeFascn(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(CardDataError);
        }
      }),
    );
  });
});

describe('encodeFascn', () => {
  it("encodes yubico-piv-tool's FASC-N bit for bit", () => {
    expect(toHex(encodeFascn(YUBICO_FIELDS))).toBe(toHex(YUBICO_FASCN));
  });

  it('encodes FASC-Ns that the PIV session decodes to the same fields', () => {
    const fields: Fascn = {
      agencyCode: '9752',
      systemCode: '0001',
      credentialNumber: '234567',
      credentialSeries: '1',
      individualCredentialIssue: '2',
      personIdentifier: '1234567890',
      organizationalCategory: '1',
      organizationalIdentifier: '4321',
      personOrganizationAssociation: '3',
    };
    expect(decodeFascn(encodeFascn(fields))).toEqual(fields);
  });

  it('refuses a FASC-N field that is not its number of digits', () => {
    expect(() => encodeFascn({...YUBICO_FIELDS, agencyCode: '12345'})).toThrow(RangeError);
    expect(() => encodeFascn({...YUBICO_FIELDS, credentialNumber: '12a456'})).toThrow(RangeError);
  });
});

describe('encodeChuid', () => {
  it('writes a CHUID with FASC-N, GUID, expiry, an empty signature and error detection code', () => {
    const guid = hex('00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF');
    const value = encodeChuid({fascn: YUBICO_FASCN, guid, expiry: new Date(Date.UTC(2030, 0, 31))});
    expect(decodeTlvs(value).map(({tag}) => tag)).toEqual([0x30, 0x34, 0x35, 0x3e, 0xfe]);
    const chuid = decodeChuid(value);
    expect(toHex(chuid.fascn!)).toBe(toHex(YUBICO_FASCN));
    expect(toHex(chuid.guid!)).toBe(toHex(guid));
    expect(chuid.expiry).toBe('20300131');
  });
});

describe('decodeChuid', () => {
  it('reads FASC-N, GUID and expiry, and leaves absent fields undefined', () => {
    const fascn = encodeFascnIndependently({
      agencyCode: '9752',
      systemCode: '2690',
      credentialNumber: '000123',
    });
    const guid = hex('00112233445566778899AABBCCDDEEFF');
    const chuid = decodeChuid(
      encodeTlvs([
        {tag: 0x30, value: fascn},
        {tag: 0x34, value: guid},
        {tag: 0x35, value: new TextEncoder().encode('20341231')},
        {tag: 0x3e, value: new Uint8Array()},
        {tag: 0xfe, value: new Uint8Array()},
      ]),
    );
    expect(chuid).toEqual({
      fascn,
      guid,
      expiry: '20341231',
      organizationId: undefined,
      cardholderUuid: undefined,
    });
  });

  it('refuses a CHUID whose TLVs do not parse', () => {
    expect(() => decodeChuid(hex('30 19 01'))).toThrow(CardDataError);
  });
});

describe('Key History', () => {
  it('round-trips the counts and the URL', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 0, max: 20}),
        fc.integer({min: 0, max: 20}),
        fc.option(fc.uint8Array({minLength: 1, maxLength: 118}), {nil: undefined}),
        (onCardCertificates, offCardCertificates, offCardCertificateUrl) => {
          const history = {onCardCertificates, offCardCertificates, offCardCertificateUrl};
          expect(decodeKeyHistory(encodeKeyHistory(history))).toEqual(history);
        },
      ),
    );
  });

  it('writes C1, C2 and FE in the order SP 800-73-4 lists them', () => {
    expect(encodeKeyHistory({onCardCertificates: 2, offCardCertificates: 0})).toEqual(
      hex('C1 01 02 C2 01 00 FE 00'),
    );
  });
});

describe('decodeDiscovery', () => {
  it('reads the AID and a PIV-PIN-only policy (40 00)', () => {
    const discovery = decodeDiscovery(hex('7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 40 00'));
    expect(discovery.aid).toEqual(hex('A0 00 00 03 08 00 00 10 00 01 00'));
    expect(discovery).toMatchObject({hasPivPin: true, hasGlobalPin: false, isGlobalPinPrimary: false});
  });

  it('reads a global-PIN-primary policy (60 20)', () => {
    expect(decodeDiscovery(hex('7E 07 4F 00 5F 2F 02 60 20'))).toMatchObject({
      hasPivPin: true,
      hasGlobalPin: true,
      isGlobalPinPrimary: true,
    });
  });

  it('refuses what is not a Discovery object', () => {
    expect(() => decodeDiscovery(hex('70 00'))).toThrow(CardDataError);
    expect(() => decodeDiscovery(hex('7E 05 4F'))).toThrow(CardDataError);
  });
});

describe('decodeApplicationProperties', () => {
  it('reads a YubiKey SELECT answer', () => {
    expect(
      decodeApplicationProperties(hex('61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08')),
    ).toEqual({
      aid: hex('00 00 10 00 01 00'),
      label: undefined,
      algorithms: [],
    });
  });

  it('reads a label and the algorithms a card lists', () => {
    const answer = encodeTlv(
      0x61,
      encodeTlvs([
        {tag: 0x4f, value: hex('A0 00 00 03 08 00 00 10 00 01 00')},
        {tag: 0x50, value: new TextEncoder().encode('PIV')},
        {tag: 0xac, value: hex('80 01 07 80 01 11 06 00')},
      ]),
    );
    expect(decodeApplicationProperties(answer)).toMatchObject({label: 'PIV', algorithms: [0x07, 0x11]});
  });

  it('takes an empty answer as no properties', () => {
    expect(decodeApplicationProperties(new Uint8Array())).toEqual({aid: new Uint8Array(), algorithms: []});
  });
});
