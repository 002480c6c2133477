import type {KeyObject} from 'node:crypto';
import type {DistinguishedName} from '../../source/pki/distinguished-name.js';
import {KeyUsage} from '../../source/pki/extensions.js';
import {
  createCertificateAuthority,
  generatePrivateKey,
  issueCertificate,
  randomSerialNumber,
  type CertificateAuthorityCredential,
  type GeneratedKeyAlgorithm,
} from '../../source/pki/issue.js';
import {EKU_CLIENT_AUTH, EKU_SMARTCARD_LOGON} from '../../source/pki/object-identifiers.js';
import {exportPublicKey} from '../../source/pki/public-key.js';

/** Test PKIs made by code: a root, an issuing CA under it, and SITHS-like card certificates. */

export const DAY_MS = 86_400_000;
/** A fixed instant the fixtures are valid around. */
export const NOW = new Date('2026-03-01T12:00:00Z');

export const ROOT_NAME: DistinguishedName = [
  {type: 'countryName', value: 'SE'},
  {type: 'organizationName', value: 'Test Inera AB'},
  {type: 'commonName', value: 'Test SITHS Root CA v1'},
];
export const ISSUING_NAME: DistinguishedName = [
  {type: 'countryName', value: 'SE'},
  {type: 'organizationName', value: 'Test Inera AB'},
  {type: 'commonName', value: 'Test SITHS e-id Person HSA-id 3 CA v1'},
];

export interface TestPki {
  readonly root: CertificateAuthorityCredential;
  readonly issuing: CertificateAuthorityCredential;
}

/** A root (valid 10 years around NOW) and an issuing CA (pathLength 0) under it. */
export async function createTestPki(
  algorithms: {root?: GeneratedKeyAlgorithm; issuing?: GeneratedKeyAlgorithm} = {},
): Promise<TestPki> {
  const root = await createCertificateAuthority({
    name: ROOT_NAME,
    keyAlgorithm: algorithms.root ?? 'ecc-p384',
    notBefore: new Date(NOW.getTime() - 365 * DAY_MS),
    notAfter: new Date(NOW.getTime() + 10 * 365 * DAY_MS),
  });
  const issuing = await createCertificateAuthority({
    name: ISSUING_NAME,
    keyAlgorithm: algorithms.issuing ?? 'rsa-2048',
    parent: root,
    pathLength: 0,
    notBefore: new Date(NOW.getTime() - 30 * DAY_MS),
    notAfter: new Date(NOW.getTime() + 5 * 365 * DAY_MS),
    crlDistributionPoint: new URL('http://crl.test.invalid/issuing.crl'),
  });
  return {root, issuing};
}

export const HOLDER = {
  givenName: 'Åsa',
  surname: 'Öberg',
  hsaId: 'SE2321000016-1234',
  personnummer: '198112189876',
  cardNumber: '9752269900001234567',
} as const;

/** The subject of a card certificate carrying `serialNumber` (an HSA-id or a personnummer). */
export function holderName(serialNumber: string): DistinguishedName {
  return [
    {type: 'countryName', value: 'SE'},
    {type: 'organizationName', value: 'Region Test'},
    {type: 'givenName', value: HOLDER.givenName},
    {type: 'surname', value: HOLDER.surname},
    {type: 'commonName', value: `${HOLDER.givenName} ${HOLDER.surname}`},
    {type: 'serialNumber', value: serialNumber},
  ];
}

/** A SITHS-like card certificate for a fresh key: authentication (digitalSignature, clientAuth) or signature. */
export async function issueCardCertificate(
  issuer: CertificateAuthorityCredential,
  options: {
    purpose: 'authentication' | 'signature';
    serialNumber?: string;
    keyAlgorithm?: GeneratedKeyAlgorithm;
    notBefore?: Date;
    notAfter?: Date;
  },
): Promise<{certificate: Uint8Array; privateKey: KeyObject}> {
  const privateKey = await generatePrivateKey(options.keyAlgorithm ?? 'ecc-p256');
  const certificate = await issueCertificate({
    subject: holderName(options.serialNumber ?? HOLDER.hsaId),
    subjectPublicKey: exportPublicKey(privateKey),
    issuer,
    serialNumber: randomSerialNumber(),
    notBefore: options.notBefore ?? new Date(NOW.getTime() - DAY_MS),
    notAfter: options.notAfter ?? new Date(NOW.getTime() + 2 * 365 * DAY_MS),
    extensions: {
      keyUsage:
        options.purpose === 'authentication'
          ? [KeyUsage.DigitalSignature, KeyUsage.KeyEncipherment]
          : [KeyUsage.NonRepudiation],
      extendedKeyUsage: options.purpose === 'authentication' ? [EKU_CLIENT_AUTH, EKU_SMARTCARD_LOGON] : [],
      subjectAltName: {cardNumber: HOLDER.cardNumber},
      crlDistributionPoint: new URL('http://crl.test.invalid/issuing.crl'),
      authorityInfoAccess: {caIssuers: new URL('http://ca.test.invalid/issuing.cer')},
      certificatePolicies: ['2.999.1.1'],
    },
  });
  return {certificate, privateKey};
}
