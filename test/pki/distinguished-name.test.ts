import {X509Certificate} from 'node:crypto';
import {expect, it} from 'vitest';
import {parseCertificate} from '../../source/pki/certificate.js';
import {formatName, type DistinguishedName} from '../../source/pki/distinguished-name.js';
import {generatePrivateKey, issueCertificate, randomSerialNumber} from '../../source/pki/issue.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {DAY_MS, NOW} from './fixtures.js';

async function selfSigned(subject: DistinguishedName): Promise<Uint8Array> {
  const privateKey = await generatePrivateKey('ecc-p256');
  return issueCertificate({
    subject,
    subjectPublicKey: exportPublicKey(privateKey),
    issuer: {privateKey},
    serialNumber: randomSerialNumber(),
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + DAY_MS),
  });
}

it('formats names as RFC 4514: least significant first, short names, special characters escaped', () => {
  expect(
    formatName([
      {type: 'countryName', value: 'SE'},
      {type: 'organizationName', value: 'Region A, B + C'},
      {type: 'organizationalUnitName', value: '#1 "unit"'},
      {type: 'commonName', value: ' Åsa <x>; y\\z '},
    ]),
  ).toBe('CN=\\ Åsa \\<x\\>\\; y\\\\z\\ ,OU=\\#1 \\"unit\\",O=Region A\\, B \\+ C,C=SE');
  expect(formatName([{type: '2.5.4.65', value: 'pseudonym'}])).toBe('2.5.4.65=pseudonym');
  expect(formatName([])).toBe('');
});

it('writes every attribute as its own RDN, in the order given, and reads the same list back', async () => {
  const subject: DistinguishedName = [
    {type: 'countryName', value: 'SE'},
    {type: 'stateOrProvinceName', value: 'Stockholms län'},
    {type: 'localityName', value: 'Solna'},
    {type: 'organizationName', value: 'Region Test'},
    {type: 'organizationalUnitName', value: 'Vårdcentral'},
    {type: 'organizationIdentifier', value: '2321000016'},
    {type: 'title', value: 'Sjuksköterska'},
    {type: 'givenName', value: 'Åsa'},
    {type: 'surname', value: 'Öberg'},
    {type: 'commonName', value: 'Åsa Öberg'},
    {type: 'serialNumber', value: 'SE2321000016-1234'},
    {type: 'emailAddress', value: 'asa.oberg@example.se'},
    {type: '2.5.4.65', value: 'pseudonym'},
  ];
  const certificate = await selfSigned(subject);
  expect(parseCertificate(certificate).holder.attributes).toEqual(subject);
  // node prints one line per RDN: thirteen RDNs, not one multi-valued RDN.
  expect(new X509Certificate(certificate).subject.split('\n')).toHaveLength(13);
});

it('reads a name value that is not a string as RFC 4514 hex of its BER', async () => {
  // An INTEGER where a string belongs is only reachable by hand-made DER: patch the PrintableString tag (0x13).
  const certificate = Buffer.from(await selfSigned([{type: 'countryName', value: 'SE'}]));
  const at = certificate.lastIndexOf(Buffer.from([0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x53, 0x45]));
  certificate[at + 5] = 0x02; // INTEGER 0x5345
  const name = parseCertificate(certificate).holder;
  expect(name.attributes).toEqual([{type: 'countryName', value: '#02025345'}]);
  expect(name.text).toBe('C=#02025345');
});
