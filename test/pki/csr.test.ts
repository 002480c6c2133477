import {generateKeyPairSync} from 'node:crypto';
import {beforeAll, expect, it} from 'vitest';
import {SithsError} from '../../source/errors.js';
import {buildCertificateRequest, verifyCertificateRequest} from '../../source/pki/csr.js';
import {generatePrivateKey, type GeneratedKeyAlgorithm} from '../../source/pki/issue.js';
import {publicKeysEqual} from '../../source/pki/public-key.js';
import {keyObjectSigner, type Signer} from '../../source/pki/signer.js';
import {expectOnlyPkiErrorsOnMutations, expectRejectsCode, expectThrowsCode} from './expect-error.js';
import {HOLDER, holderName} from './fixtures.js';
import {describeWithOpenssl, openssl} from './openssl.js';

const SUBJECT = holderName(HOLDER.personnummer);
const signers = new Map<GeneratedKeyAlgorithm, Signer>();
beforeAll(async () => {
  for (const algorithm of ['rsa-2048', 'ecc-p256', 'ecc-p384'] as const) {
    signers.set(algorithm, keyObjectSigner(await generatePrivateKey(algorithm)));
  }
});

describeWithOpenssl('certification requests as openssl reads them', () => {
  it.each(['rsa-2048', 'ecc-p256', 'ecc-p384'] as const)(
    'openssl accepts the self-signature of a %s request and reads its subject',
    async (algorithm) => {
      const request = await buildCertificateRequest({subject: SUBJECT, signer: signers.get(algorithm)!});
      const result = openssl(
        [
          'req',
          '-inform',
          'DER',
          '-in',
          '{r.der}',
          '-verify',
          '-noout',
          '-subject',
          '-nameopt',
          'utf8,sep_comma_plus',
        ],
        {'r.der': request},
      );
      expect(result.status).toBe(0);
      expect(result.stderr).toContain('verify OK');
      expect(result.stdout.trim()).toBe(
        `subject=C=SE,O=Region Test,GN=Åsa,SN=Öberg,CN=Åsa Öberg,serialNumber=${HOLDER.personnummer}`,
      );
    },
  );

  it('writes version 1 and an empty attributes field (RFC 2986 4.1)', async () => {
    const request = await buildCertificateRequest({subject: SUBJECT, signer: signers.get('ecc-p256')!});
    const text = openssl(['req', '-inform', 'DER', '-in', '{r.der}', '-noout', '-text'], {
      'r.der': request,
    }).stdout;
    expect(text).toMatch(/Version: 1 \(0x0\)/);
    expect(text).toMatch(/Attributes:\s+\(none\)/);
  });

  /** A request openssl makes for a fresh key (`keyOptions`) with `subject`, DER. */
  const opensslRequest = (keyOptions: readonly string[], subject: string): Uint8Array =>
    openssl(
      [
        'req',
        '-new',
        ...keyOptions,
        '-nodes',
        '-keyout',
        '/dev/null',
        '-subj',
        subject,
        '-outform',
        'DER',
        '-out',
        '{r.der}',
      ],
      {},
      ['r.der'],
    ).outputs['r.der']!;

  it('verifies requests openssl made, with a P-256 key and with RSA and SHA-384', () => {
    for (const [keyOptions, subject] of [
      [['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/C=SE/CN=Openssl P-256'],
      [['-newkey', 'rsa:2048', '-sha384'], '/C=SE/CN=Openssl RSA'],
    ] as const) {
      const verified = verifyCertificateRequest(opensslRequest(keyOptions, subject));
      expect(verified.subject.countryName).toBe('SE');
      expect(verified.subject.commonName).toBe(subject.slice('/C=SE/CN='.length));
    }
  });

  it('refuses requests signed with RSA-PSS or made for Ed25519 keys, with typed errors', () => {
    const make = (keyOptions: readonly string[]) => opensslRequest(keyOptions, '/CN=x');
    expectThrowsCode(
      () =>
        verifyCertificateRequest(make(['-newkey', 'rsa:2048', '-sigopt', 'rsa_padding_mode:pss', '-sha256'])),
      'signature-algorithm-unsupported',
    );
    expectThrowsCode(() => verifyCertificateRequest(make(['-newkey', 'ed25519'])), 'key-unsupported');
  });
});

it('returns the subject, the key and its algorithm of a request whose signature verifies', async () => {
  for (const [algorithm, keyAlgorithm] of [
    ['rsa-2048', {type: 'rsa', bits: 2048}],
    ['ecc-p256', {type: 'ec', curve: 'P-256'}],
    ['ecc-p384', {type: 'ec', curve: 'P-384'}],
  ] as const) {
    const signer = signers.get(algorithm)!;
    const verified = verifyCertificateRequest(await buildCertificateRequest({subject: SUBJECT, signer}));
    expect(verified.keyAlgorithm).toEqual(keyAlgorithm);
    expect(publicKeysEqual(verified.publicKey, signer.publicKey)).toBe(true);
    expect(verified.subject.serialNumber).toBe(HOLDER.personnummer);
    expect(verified.subject.attributes).toEqual(SUBJECT);
  }
});

it('hands the signer exactly the CertificationRequestInfo that the request carries', async () => {
  const inner = signers.get('ecc-p256')!;
  const signed: Uint8Array[] = [];
  const request = await buildCertificateRequest({
    subject: SUBJECT,
    signer: {...inner, sign: (toBeSigned) => (signed.push(toBeSigned), inner.sign(toBeSigned))},
  });
  expect(signed).toHaveLength(1);
  // The request is SEQUENCE {info, algorithm, signature}: the info follows the outer header (2 to 4 octets).
  expect(Buffer.from(request).indexOf(Buffer.from(signed[0]!))).toBeOneOf([2, 3, 4]);
});

it('refuses a signature made by another key than the one the signer names', async () => {
  const signer = signers.get('ecc-p256')!;
  const other = keyObjectSigner(await generatePrivateKey('ecc-p256'));
  await expectRejectsCode(
    buildCertificateRequest({subject: SUBJECT, signer: {...signer, sign: other.sign}}),
    'request-signature-invalid',
  );
});

it('refuses a signer whose algorithm does not fit its key, or whose key is not RSA or EC', async () => {
  const rsa = signers.get('rsa-2048')!;
  await expectRejectsCode(
    buildCertificateRequest({subject: SUBJECT, signer: {...rsa, algorithm: 'ecdsa-sha256'}}),
    'key-mismatch',
  );
  const ed25519 = generateKeyPairSync('ed25519').publicKey.export({type: 'spki', format: 'der'});
  await expectRejectsCode(
    buildCertificateRequest({subject: SUBJECT, signer: {...rsa, publicKey: new Uint8Array(ed25519)}}),
    'key-unsupported',
  );
});

it("passes the signer's own error through unchanged", async () => {
  const cardError = new SithsError('card-removed', 'the card was removed');
  const signer = signers.get('ecc-p256')!;
  await expect(
    buildCertificateRequest({subject: SUBJECT, signer: {...signer, sign: () => Promise.reject(cardError)}}),
  ).rejects.toBe(cardError);
});

it('refuses a request whose subject was changed after signing', async () => {
  const request = await buildCertificateRequest({subject: SUBJECT, signer: signers.get('rsa-2048')!});
  const changed = Buffer.from(request);
  const at = changed.indexOf(Buffer.from(HOLDER.personnummer));
  changed[at + 11] = changed[at + 11]! ^ 0x01;
  expectThrowsCode(() => verifyCertificateRequest(changed), 'request-signature-invalid');
});

it('refuses bytes that are not one DER request', () => {
  expectThrowsCode(() => verifyCertificateRequest(new Uint8Array()), 'request-malformed');
  expectThrowsCode(() => verifyCertificateRequest(Uint8Array.of(0x30, 0x00)), 'request-malformed');
});

it('throws only PkiError for mutated requests', async () => {
  const valid = await Promise.all(
    [...signers.values()].map((signer) => buildCertificateRequest({subject: SUBJECT, signer})),
  );
  expectOnlyPkiErrorsOnMutations(valid, verifyCertificateRequest, 2000);
});
