import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
  basicConstraintsExtension,
  decodeBasicConstraints,
  decodeKeyUsage,
  decodeSubjectAltName,
  extensionOctets,
  KeyUsage,
  keyUsageExtension,
  subjectAltNameExtension,
} from '../../source/pki/extensions.js';
import {expectThrowsCode} from './expect-error.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('keyUsage', () => {
  it('is a named-bit BIT STRING with trailing zero bits removed (X.690 11.2.2)', () => {
    expect(hex(extensionOctets(keyUsageExtension([KeyUsage.DigitalSignature])))).toBe('03020780');
    expect(hex(extensionOctets(keyUsageExtension([KeyUsage.NonRepudiation])))).toBe('03020640');
    expect(hex(extensionOctets(keyUsageExtension([KeyUsage.KeyCertSign, KeyUsage.CrlSign])))).toBe(
      '03020106',
    );
    expect(hex(extensionOctets(keyUsageExtension([KeyUsage.DecipherOnly])))).toBe('0303070080');
    expect(keyUsageExtension([KeyUsage.DigitalSignature]).critical).toBe(true);
  });

  it('reads back every set of usages it writes', () => {
    const usage = fc.constantFrom(...Object.values(KeyUsage).filter((value) => typeof value === 'number'));
    fc.assert(
      fc.property(fc.uniqueArray(usage, {minLength: 1}), (usages) => {
        expect(decodeKeyUsage(extensionOctets(keyUsageExtension(usages)))).toEqual(
          [...usages].sort((a, b) => a - b),
        );
      }),
    );
  });

  it('refuses a value that is not a BIT STRING', () => {
    expectThrowsCode(() => decodeKeyUsage(Uint8Array.of(0x05, 0x00)), 'certificate-malformed');
  });
});

describe('basicConstraints', () => {
  it('reads back the CA flag and the path length, and is critical', () => {
    for (const constraints of [
      {isCertificateAuthority: true, pathLength: 3},
      {isCertificateAuthority: true},
      {isCertificateAuthority: false},
    ]) {
      const extension = basicConstraintsExtension(constraints);
      expect(extension.critical).toBe(true);
      expect(decodeBasicConstraints(extensionOctets(extension))).toEqual(constraints);
    }
    expect(hex(extensionOctets(basicConstraintsExtension({isCertificateAuthority: false})))).toBe('3000');
  });

  it('refuses a value that is not a SEQUENCE of BOOLEAN and INTEGER', () => {
    expectThrowsCode(() => decodeBasicConstraints(Uint8Array.of(0x04, 0x00)), 'certificate-malformed');
  });
});

describe('subjectAltName', () => {
  it('reads back DNS names, IP addresses, e-mail, URIs, the UPN and the card number', () => {
    const names = {
      dnsNames: ['localhost', 'service.example.se'],
      ipAddresses: ['127.0.0.1', '0:0:0:0:0:0:0:1', 'fe80:0:0:0:0:0:1:2', '2001:db8:0:0:0:0:0:0'],
      emailAddresses: ['asa.oberg@example.se'],
      uris: ['urn:uuid:3f8c5f0e-1f4b-4c3a-9d3e-000000000001'],
      userPrincipalName: 'SE2321000016-1234@example.se',
      cardNumber: '9752269900001234567',
    };
    const extension = subjectAltNameExtension(
      {...names, ipAddresses: ['127.0.0.1', '::1', 'fe80::1:2', '2001:db8::']},
      false,
    );
    expect(extension.critical).toBe(false);
    expect(decodeSubjectAltName(extensionOctets(extension))).toEqual(names);
  });

  it('refuses IP addresses it cannot write and names that are not ASCII', () => {
    expectThrowsCode(() => subjectAltNameExtension({ipAddresses: ['localhost']}, false), 'name-invalid');
    expectThrowsCode(() => subjectAltNameExtension({ipAddresses: ['::ffff:1.2.3.4']}, false), 'name-invalid');
    expectThrowsCode(() => subjectAltNameExtension({dnsNames: ['räksmörgås.se']}, false), 'name-invalid');
  });

  it('refuses a card number otherName without its serial OCTET STRING, and entries that are not context tagged', () => {
    // SEQUENCE { [0] { OID 1.3.6.1.5.5.7.8.4, [0] { SEQUENCE { OID 1.0.7816 } } } }: no hwSerialNum.
    const hardwareWithoutSerial = Buffer.from('3015a01306082b060105050708' + '04a0073005060328bd08', 'hex');
    expectThrowsCode(() => decodeSubjectAltName(hardwareWithoutSerial), 'certificate-malformed');
    expectThrowsCode(
      () => decodeSubjectAltName(Uint8Array.of(0x30, 0x02, 0x05, 0x00)),
      'certificate-malformed',
    );
  });
});
