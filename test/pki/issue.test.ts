import {generateKeyPairSync, X509Certificate} from 'node:crypto';
import {beforeAll, expect, it} from 'vitest';
import {parseCertificate} from '../../source/pki/certificate.js';
import {KeyUsage} from '../../source/pki/extensions.js';
import {
  createCertificateAuthority,
  generatePrivateKey,
  issueCertificate,
  randomSerialNumber,
  type GeneratedKeyAlgorithm,
} from '../../source/pki/issue.js';
import {EKU_SERVER_AUTH} from '../../source/pki/object-identifiers.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {
  createTestPki,
  DAY_MS,
  HOLDER,
  holderName,
  issueCardCertificate,
  NOW,
  ROOT_NAME,
  type TestPki,
} from './fixtures.js';
import {expectRejectsCode} from './expect-error.js';
import {certificatePem, describeWithOpenssl, openssl} from './openssl.js';

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

function opensslText(der: Uint8Array): string {
  const result = openssl(
    ['x509', '-inform', 'DER', '-in', '{c.der}', '-noout', '-text', '-nameopt', 'utf8,sep_comma_plus'],
    {
      'c.der': der,
    },
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

describeWithOpenssl('issued certificates as openssl reads them', () => {
  it('openssl verifies a card certificate through the issuing CA to the root, strictly', async () => {
    const {certificate} = await issueCardCertificate(pki.issuing, {purpose: 'authentication'});
    const result = openssl(
      [
        'verify',
        '-x509_strict',
        '-attime',
        String(NOW.getTime() / 1000),
        '-CAfile',
        '{root.pem}',
        '-untrusted',
        '{ca.pem}',
        '{leaf.pem}',
      ],
      {
        'root.pem': certificatePem(pki.root.certificate),
        'ca.pem': certificatePem(pki.issuing.certificate),
        'leaf.pem': certificatePem(certificate),
      },
    );
    expect(result.stdout.trim()).toMatch(/leaf\.pem: OK$/);
    expect(result.status).toBe(0);
  });

  it('writes the subject in order with UTF-8 names and the HSA-id as a PrintableString serialNumber', async () => {
    const {certificate} = await issueCardCertificate(pki.issuing, {purpose: 'authentication'});
    const text = opensslText(certificate);
    expect(text).toContain(
      `Subject: C=SE,O=Region Test,GN=Åsa,SN=Öberg,CN=Åsa Öberg,serialNumber=${HOLDER.hsaId}`,
    );
    expect(text).toContain('Issuer: C=SE,O=Test Inera AB,CN=Test SITHS e-id Person HSA-id 3 CA v1');
    const parsed = openssl(['asn1parse', '-inform', 'DER', '-in', '{c.der}'], {'c.der': certificate}).stdout;
    expect(parsed).toMatch(/:serialNumber\s*\n.*PRINTABLESTRING\s+:SE2321000016-1234/);
    expect(parsed).toMatch(/UTF8STRING\s+:Region Test/);
  });

  it('writes the authentication profile: critical key usage, client auth, card number, CRL and CA issuer URLs', async () => {
    const {certificate} = await issueCardCertificate(pki.issuing, {purpose: 'authentication'});
    const text = opensslText(certificate);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(
      /X509v3 Extended Key Usage:\s+TLS Web Client Authentication, Microsoft Smartcard Login/,
    );
    expect(text).toMatch(/X509v3 Subject Alternative Name:\s+othername: 1\.3\.6\.1\.5\.5\.7\.8\.4::/);
    expect(text).toMatch(
      /X509v3 CRL Distribution Points:\s+Full Name:\s+URI:http:\/\/crl\.test\.invalid\/issuing\.crl/,
    );
    expect(text).toMatch(/CA Issuers - URI:http:\/\/ca\.test\.invalid\/issuing\.cer/);
    expect(text).toMatch(/X509v3 Certificate Policies:\s+Policy: 2\.999\.1\.1/);
    expect(text).toContain('Version: 3 (0x2)');
  });

  it('writes the signature profile with non-repudiation only', async () => {
    const {certificate} = await issueCardCertificate(pki.issuing, {purpose: 'signature'});
    const text = opensslText(certificate);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Non Repudiation\n/);
    expect(text).not.toContain('Extended Key Usage');
  });

  it('derives the subject key identifier from the key and the authority key identifier from the issuer', async () => {
    const {certificate} = await issueCardCertificate(pki.issuing, {purpose: 'authentication'});
    const identifier = (der: Uint8Array, label: string) =>
      new RegExp(`${label}:\\s*\\n\\s*(?:keyid:)?([0-9A-F:]+)`).exec(opensslText(der))?.[1];
    expect(identifier(certificate, 'X509v3 Authority Key Identifier')).toBe(
      identifier(pki.issuing.certificate, 'X509v3 Subject Key Identifier'),
    );
    expect(identifier(certificate, 'X509v3 Subject Key Identifier')).toMatch(
      /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/,
    );
  });

  it('writes CA certificates with critical basic constraints, the path length, and certificate and CRL signing', () => {
    const text = opensslText(pki.issuing.certificate);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(opensslText(pki.root.certificate)).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
  });

  it.each<[GeneratedKeyAlgorithm, string]>([
    ['rsa-2048', 'sha256WithRSAEncryption'],
    ['ecc-p256', 'ecdsa-with-SHA256'],
    ['ecc-p384', 'ecdsa-with-SHA384'],
  ])(
    'a %s issuer signs with %s, and openssl verifies the self-signed root',
    async (keyAlgorithm, signature) => {
      const root = await createCertificateAuthority({
        name: ROOT_NAME,
        keyAlgorithm,
        notBefore: NOW,
        notAfter: new Date(NOW.getTime() + DAY_MS),
      });
      expect(opensslText(root.certificate)).toContain(`Signature Algorithm: ${signature}`);
      const result = openssl(
        [
          'verify',
          '-x509_strict',
          '-attime',
          String(NOW.getTime() / 1000 + 60),
          '-CAfile',
          '{root.pem}',
          '{root.pem}',
        ],
        {'root.pem': certificatePem(root.certificate)},
      );
      expect(result.status).toBe(0);
    },
  );

  it('writes validity from 2050 on as GeneralizedTime and before as UTCTime, to the whole second', async () => {
    const key = await generatePrivateKey('ecc-p256');
    const notBefore = new Date('2049-12-31T23:59:59.999Z');
    const notAfter = new Date('2050-01-01T00:00:00.500Z');
    const certificate = await issueCertificate({
      subject: holderName(HOLDER.hsaId),
      subjectPublicKey: exportPublicKey(key),
      issuer: pki.issuing,
      serialNumber: randomSerialNumber(),
      notBefore,
      notAfter,
    });
    const parsed = openssl(['asn1parse', '-inform', 'DER', '-in', '{c.der}'], {'c.der': certificate}).stdout;
    expect(parsed).toMatch(/UTCTIME\s+:491231235959Z/);
    expect(parsed).toMatch(/GENERALIZEDTIME\s+:20500101000000Z/);
    const details = parseCertificate(certificate);
    expect(details.notBefore.toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(details.notAfter.toISOString()).toBe('2050-01-01T00:00:00.000Z');
  });
});

it('writes DNS and IP subject alternative names that node matches for TLS', async () => {
  const key = await generatePrivateKey('ecc-p256');
  const certificate = await issueCertificate({
    subject: [{type: 'commonName', value: 'localhost'}],
    subjectPublicKey: exportPublicKey(key),
    issuer: pki.issuing,
    serialNumber: randomSerialNumber(),
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + DAY_MS),
    extensions: {
      keyUsage: [KeyUsage.DigitalSignature],
      extendedKeyUsage: [EKU_SERVER_AUTH],
      subjectAltName: {dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1', 'fe80::1:2']},
    },
  });
  const x509 = new X509Certificate(certificate);
  expect(x509.checkHost('localhost')).toBe('localhost');
  expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
  expect(x509.checkIP('::1')).toBe('::1');
  expect(x509.checkIP('fe80::1:2')).toBe('fe80::1:2');
  expect(x509.checkIP('127.0.0.2')).toBeUndefined();
  expect(x509.checkIssued(new X509Certificate(pki.issuing.certificate))).toBe(true);
});

it('writes a serial number with its high bit set as a positive INTEGER and reads it back the same', async () => {
  const key = await generatePrivateKey('ecc-p256');
  const certificate = await issueCertificate({
    subject: holderName(HOLDER.hsaId),
    subjectPublicKey: exportPublicKey(key),
    issuer: pki.issuing,
    serialNumber: Uint8Array.of(0x00, 0x00, 0xff, 0x01),
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + DAY_MS),
  });
  expect(parseCertificate(certificate).serialNumber).toBe('ff01');
  // INTEGER, length 3, a zero octet so the high bit of FF does not make it negative.
  expect(Buffer.from(certificate).indexOf(Buffer.of(0x02, 0x03, 0x00, 0xff, 0x01))).toBeGreaterThan(0);
});

it('gives random serial numbers 16 positive octets with a non-zero first octet', () => {
  for (let round = 0; round < 200; round += 1) {
    const serial = randomSerialNumber();
    expect(serial).toHaveLength(16);
    expect(serial[0]! & 0x80).toBe(0);
    expect(serial[0]).not.toBe(0);
  }
});

it('refuses serial numbers that are empty, zero or longer than 20 octets', async () => {
  const key = await generatePrivateKey('ecc-p256');
  const issue = (serialNumber: Uint8Array) =>
    issueCertificate({
      subject: holderName(HOLDER.hsaId),
      subjectPublicKey: exportPublicKey(key),
      issuer: pki.issuing,
      serialNumber,
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + DAY_MS),
    });
  await expectRejectsCode(issue(new Uint8Array()), 'serial-number-invalid');
  await expectRejectsCode(issue(new Uint8Array(4)), 'serial-number-invalid');
  await expectRejectsCode(issue(new Uint8Array(21).fill(1)), 'serial-number-invalid');
  await expectRejectsCode(issue(new Uint8Array(20).fill(0x80)), 'serial-number-invalid');
  await expect(issue(new Uint8Array(20).fill(0x7f))).resolves.toBeInstanceOf(Uint8Array);
});

it('refuses a validity whose notAfter is not after notBefore', async () => {
  const key = await generatePrivateKey('ecc-p256');
  await expectRejectsCode(
    issueCertificate({
      subject: holderName(HOLDER.hsaId),
      subjectPublicKey: exportPublicKey(key),
      issuer: pki.issuing,
      serialNumber: randomSerialNumber(),
      notBefore: NOW,
      notAfter: NOW,
    }),
    'validity-invalid',
  );
});

it("refuses an issuer key that is not the issuer certificate's, and a self-signature by another key", async () => {
  const key = await generatePrivateKey('ecc-p256');
  const base = {
    subject: holderName(HOLDER.hsaId),
    subjectPublicKey: exportPublicKey(key),
    serialNumber: randomSerialNumber(),
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + DAY_MS),
  };
  await expectRejectsCode(
    issueCertificate({
      ...base,
      issuer: {certificate: pki.issuing.certificate, privateKey: pki.root.privateKey},
    }),
    'key-mismatch',
  );
  await expectRejectsCode(
    issueCertificate({...base, issuer: {privateKey: pki.root.privateKey}}),
    'key-mismatch',
  );
  await expect(issueCertificate({...base, issuer: {privateKey: key}})).resolves.toBeInstanceOf(Uint8Array);
});

it('refuses an issuer certificate that does not parse and subject keys that are not RSA or EC', async () => {
  const key = await generatePrivateKey('ecc-p256');
  const base = {
    subject: holderName(HOLDER.hsaId),
    serialNumber: randomSerialNumber(),
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + DAY_MS),
  };
  await expectRejectsCode(
    issueCertificate({
      ...base,
      subjectPublicKey: exportPublicKey(key),
      issuer: {certificate: Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01), privateKey: pki.issuing.privateKey},
    }),
    'certificate-malformed',
  );
  const ed25519 = generateKeyPairSync('ed25519');
  await expectRejectsCode(
    issueCertificate({...base, subjectPublicKey: exportPublicKey(ed25519.publicKey), issuer: pki.issuing}),
    'key-unsupported',
  );
  await expectRejectsCode(
    issueCertificate({
      ...base,
      subjectPublicKey: exportPublicKey(key),
      issuer: {privateKey: ed25519.privateKey},
    }),
    'key-unsupported',
  );
  await expectRejectsCode(
    issueCertificate({...base, subjectPublicKey: Uint8Array.of(1, 2, 3), issuer: pki.issuing}),
    'key-unsupported',
  );
});

it('refuses names it cannot encode: a country that is not two capitals, a serialNumber PrintableString lacks', async () => {
  const key = await generatePrivateKey('ecc-p256');
  const issue = (subject: Parameters<typeof issueCertificate>[0]['subject']) =>
    issueCertificate({
      subject,
      subjectPublicKey: exportPublicKey(key),
      issuer: pki.issuing,
      serialNumber: randomSerialNumber(),
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + DAY_MS),
    });
  await expectRejectsCode(issue([{type: 'countryName', value: 'Sweden'}]), 'name-invalid');
  await expectRejectsCode(issue([{type: 'serialNumber', value: 'SE2321000016-åsa'}]), 'name-invalid');
  await expectRejectsCode(issue([{type: 'commonName', value: ''}]), 'name-invalid');
  await expectRejectsCode(issue([{type: 'emailAddress', value: 'åsa@example.se'}]), 'name-invalid');
  await expectRejectsCode(issue([{type: 'nickname' as never, value: 'x'}]), 'name-invalid');
  await expect(issue([{type: '2.5.4.65', value: 'pseudonym'}])).resolves.toBeInstanceOf(Uint8Array);
});

it('writes a critical subjectAltName when the subject is empty (RFC 5280 4.2.1.6)', async () => {
  const key = await generatePrivateKey('ecc-p256');
  const certificate = await issueCertificate({
    subject: [],
    subjectPublicKey: exportPublicKey(key),
    issuer: pki.issuing,
    serialNumber: randomSerialNumber(),
    notBefore: NOW,
    notAfter: new Date(NOW.getTime() + DAY_MS),
    extensions: {subjectAltName: {emailAddresses: ['asa.oberg@example.se']}},
  });
  expect(new X509Certificate(certificate).subjectAltName).toBe('email:asa.oberg@example.se');
  expect(
    openssl(['x509', '-inform', 'DER', '-in', '{c.der}', '-noout', '-text'], {'c.der': certificate}).stdout,
  ).toMatch(/X509v3 Subject Alternative Name: critical/);
});
