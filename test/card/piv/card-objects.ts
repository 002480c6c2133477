import {
  createCertificateAuthority,
  generatePrivateKey,
  issueCertificate,
  randomSerialNumber,
  type CertificateAuthorityCredential,
} from '../../../source/pki/issue.js';
import {exportPublicKey} from '../../../source/pki/public-key.js';

/**
 * Test fixtures made by code: FASC-Ns and CHUIDs as other issuers write them, and certificates for keys. Not a
 * copy of the session's codecs: the FASC-N is packed here bit by bit from TIG SCEPACS, independently.
 */

/** FASC-N digits by field, in order (TIG SCEPACS section 6). */
export interface FascnFields {
  readonly agencyCode: string;
  readonly systemCode: string;
  readonly credentialNumber: string;
  readonly credentialSeries?: string;
  readonly individualCredentialIssue?: string;
  readonly personIdentifier?: string;
  readonly organizationalCategory?: string;
  readonly organizationalIdentifier?: string;
  readonly personOrganizationAssociation?: string;
}

const SS = 0xb;
const FS = 0xd;
const ES = 0xf;

/** Packs FASC-N fields into 25 bytes: 5-bit characters (4 bits LSB first, odd parity), then the LRC. */
export function encodeFascn(fields: FascnFields): Uint8Array {
  const digits = (text: string) => [...text].map(Number);
  const characters = [
    SS,
    ...digits(fields.agencyCode),
    FS,
    ...digits(fields.systemCode),
    FS,
    ...digits(fields.credentialNumber),
    FS,
    ...digits(fields.credentialSeries ?? '0'),
    FS,
    ...digits(fields.individualCredentialIssue ?? '1'),
    FS,
    ...digits(fields.personIdentifier ?? '0000000000'),
    ...digits(fields.organizationalCategory ?? '1'),
    ...digits(fields.organizationalIdentifier ?? '0000'),
    ...digits(fields.personOrganizationAssociation ?? '1'),
    ES,
  ];
  characters.push(characters.reduce((lrc, value) => lrc ^ value, 0));
  if (characters.length !== 40) throw new Error(`a FASC-N has 40 characters, not ${characters.length}`);
  const bits: number[] = [];
  for (const value of characters) {
    const data = [0, 1, 2, 3].map((bit) => (value >> bit) & 1);
    bits.push(...data, (data.reduce((sum, bit) => sum + bit, 0) + 1) % 2);
  }
  const bytes = new Uint8Array(25);
  bits.forEach((bit, index) => {
    bytes[index >> 3]! |= bit << (7 - (index & 7));
  });
  return bytes;
}

let issuer: Promise<CertificateAuthorityCredential> | undefined;

/** A certificate for `subjectPublicKey` (SPKI DER) with `commonName`, from a throwaway test CA (made once). */
export async function certificateFor(subjectPublicKey: Uint8Array, commonName: string): Promise<Uint8Array> {
  issuer ??= createCertificateAuthority({
    name: [{type: 'commonName', value: 'Test Issuer'}],
    keyAlgorithm: 'ecc-p256',
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2034-01-01T00:00:00Z'),
  });
  return issueCertificate({
    subject: [{type: 'commonName', value: commonName}],
    subjectPublicKey,
    issuer: await issuer,
    serialNumber: randomSerialNumber(),
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2034-01-01T00:00:00Z'),
  });
}

/** A self-signed certificate of a fresh P-256 key with `commonName`: a certificate to store, nothing more. */
export async function someCertificate(commonName = 'Anna Andersson'): Promise<Uint8Array> {
  const key = await generatePrivateKey('ecc-p256');
  return issueCertificate({
    subject: [{type: 'commonName', value: commonName}],
    subjectPublicKey: exportPublicKey(key),
    issuer: {privateKey: key},
    serialNumber: randomSerialNumber(),
    notBefore: new Date('2024-01-01T00:00:00Z'),
    notAfter: new Date('2034-01-01T00:00:00Z'),
  });
}
