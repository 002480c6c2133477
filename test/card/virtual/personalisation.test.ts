import {describe, expect, it} from 'vitest';
import {decodeTlvs} from '../../../source/apdu/tlv.js';
import {decodeCertificateObject, decodeChuid, decodeFascn} from '../../../source/card/piv/objects.js';
import {
  capabilityContainerValue,
  certificateObjectValue,
  chuidValue,
  encodeFascn,
  type FascnFields,
} from '../../../source/card/virtual/personalisation.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';

/** The FASC-N yubico-piv-tool writes in its default CHUID (lib/ykpiv.c), and its fields. */
const YUBICO_FASCN = hex('D4 E7 39 DA 73 9C ED 39 CE 73 9D 83 68 58 21 08 42 10 84 21 C8 42 10 C3 EB');
const YUBICO_FIELDS: FascnFields = {
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

describe('personalisation objects', () => {
  it("encodes yubico-piv-tool's FASC-N bit for bit", () => {
    expect(toHex(encodeFascn(YUBICO_FIELDS))).toBe(toHex(YUBICO_FASCN));
  });

  it('encodes FASC-Ns that the PIV session decodes to the same fields', () => {
    const fields: FascnFields = {
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

  it('writes a CHUID with FASC-N, GUID, expiry, an empty signature and error detection code', () => {
    const guid = hex('00 11 22 33 44 55 66 77 88 99 AA BB CC DD EE FF');
    const value = chuidValue({fascn: YUBICO_FASCN, guid, expiry: new Date(Date.UTC(2030, 0, 31))});
    expect(decodeTlvs(value).map(({tag}) => tag)).toEqual([0x30, 0x34, 0x35, 0x3e, 0xfe]);
    const chuid = decodeChuid(value);
    expect(toHex(chuid.fascn!)).toBe(toHex(YUBICO_FASCN));
    expect(toHex(chuid.guid!)).toBe(toHex(guid));
    expect(chuid.expiry).toBe('20300131');
  });

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

  it('wraps a certificate as 70 { DER } 71 00 FE 00, which the PIV session reads back', () => {
    const certificate = hex('30 03 02 01 05');
    const value = certificateObjectValue(certificate);
    expect(toHex(value)).toBe('70 05 30 03 02 01 05 71 01 00 FE 00');
    expect(toHex(decodeCertificateObject(value)!.certificate)).toBe(toHex(certificate));
  });
});
