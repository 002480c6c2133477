import {createPublicKey} from 'node:crypto';
import {beforeAll, describe, expect, it} from 'vitest';
import {parseCertificate, publicKeysEqual, verifyChain} from '../../source/pki/certificate.js';
import {KeyUsage} from '../../source/pki/extensions.js';
import {
  createCertificateAuthority,
  generatePrivateKey,
  issueCertificate,
  randomSerialNumber,
} from '../../source/pki/issue.js';
import {EKU_CLIENT_AUTH, EKU_SMARTCARD_LOGON} from '../../source/pki/object-identifiers.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {expectOnlyPkiErrorsOnMutations, expectThrowsCode} from './expect-error.js';
import {
  createTestPki,
  DAY_MS,
  HOLDER,
  holderName,
  ISSUING_NAME,
  issueCardCertificate,
  NOW,
  ROOT_NAME,
  type TestPki,
} from './fixtures.js';
import {certificatePem, describeWithOpenssl, openssl} from './openssl.js';

let pki: TestPki;
let authentication: Uint8Array;
let signature: Uint8Array;
beforeAll(async () => {
  pki = await createTestPki();
  authentication = (await issueCardCertificate(pki.issuing, {purpose: 'authentication'})).certificate;
  signature = (
    await issueCardCertificate(pki.issuing, {purpose: 'signature', serialNumber: HOLDER.personnummer})
  ).certificate;
});

describe('parseCertificate', () => {
  it('reads the holder, HSA-id, card number, issuer, validity, usages and purpose of an authentication certificate', () => {
    const details = parseCertificate(authentication);
    expect(details.holder).toMatchObject({
      commonName: 'Åsa Öberg',
      givenName: 'Åsa',
      surname: 'Öberg',
      serialNumber: HOLDER.hsaId,
      organizationName: 'Region Test',
      countryName: 'SE',
      text: `serialNumber=${HOLDER.hsaId},CN=Åsa Öberg,SN=Öberg,givenName=Åsa,O=Region Test,C=SE`,
    });
    expect(details.holder.attributes).toEqual(holderName(HOLDER.hsaId));
    expect(details.hsaId).toBe(HOLDER.hsaId);
    expect(details.personnummer).toBeUndefined();
    expect(details.cardNumber).toBe(HOLDER.cardNumber);
    expect(details.issuer.attributes).toEqual(ISSUING_NAME);
    expect(details.notBefore).toEqual(new Date(NOW.getTime() - DAY_MS));
    expect(details.notAfter).toEqual(new Date(NOW.getTime() + 2 * 365 * DAY_MS));
    expect(details.keyUsage).toEqual([KeyUsage.DigitalSignature, KeyUsage.KeyEncipherment]);
    expect(details.extendedKeyUsage).toEqual([EKU_CLIENT_AUTH, EKU_SMARTCARD_LOGON]);
    expect(details.purpose).toBe('authentication');
    expect(details.isCertificateAuthority).toBe(false);
    expect(details.keyAlgorithm).toEqual({type: 'ec', curve: 'P-256'});
    expect(details.serialNumber).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reads the personnummer and the signature purpose of a signature certificate', () => {
    const details = parseCertificate(signature);
    expect(details.personnummer).toBe(HOLDER.personnummer);
    expect(details.hsaId).toBeUndefined();
    expect(details.purpose).toBe('signature');
    expect(details.keyUsage).toEqual([KeyUsage.NonRepudiation]);
  });

  it('reads a CA certificate: CA flag, path length, certificate and CRL signing, no card purpose', () => {
    const details = parseCertificate(pki.issuing.certificate);
    expect(details.isCertificateAuthority).toBe(true);
    expect(details.pathLength).toBe(0);
    expect(details.keyUsage).toEqual([KeyUsage.KeyCertSign, KeyUsage.CrlSign]);
    expect(details.purpose).toBeUndefined();
    expect(details.keyAlgorithm).toEqual({type: 'rsa', bits: 2048});
    expect(parseCertificate(pki.root.certificate).pathLength).toBeUndefined();
  });

  it('reads PEM text and PEM bytes the same as DER', () => {
    const pem = certificatePem(authentication);
    expect(parseCertificate(pem)).toEqual(parseCertificate(authentication));
    expect(parseCertificate(new TextEncoder().encode(`subject=whatever\n${pem}`)).der).toEqual(
      authentication,
    );
  });

  it('returns the key as SubjectPublicKeyInfo DER that node reads', () => {
    const key = createPublicKey({
      key: Buffer.from(parseCertificate(authentication).subjectPublicKeyInfo),
      format: 'der',
      type: 'spki',
    });
    expect(key.asymmetricKeyType).toBe('ec');
  });

  it('refuses what is not one certificate with certificate-malformed', () => {
    for (const bytes of [
      new Uint8Array(),
      Uint8Array.of(0x30, 0x00),
      Uint8Array.of(...authentication, 0x00),
      authentication.subarray(0, 100),
    ]) {
      expectThrowsCode(() => parseCertificate(bytes), 'certificate-malformed');
    }
    expectThrowsCode(
      () => parseCertificate('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'),
      'certificate-malformed',
    );
  });

  it('throws only PkiError for mutated certificates', () => {
    expectOnlyPkiErrorsOnMutations([authentication, signature, pki.root.certificate], parseCertificate, 3000);
  });
});

describeWithOpenssl('certificates openssl made or read', () => {
  it('agrees with openssl on the serial number and the SHA-256 fingerprint', () => {
    const result = openssl(
      ['x509', '-inform', 'DER', '-in', '{c.der}', '-noout', '-serial', '-fingerprint', '-sha256'],
      {
        'c.der': authentication,
      },
    );
    const details = parseCertificate(authentication);
    expect(result.stdout).toContain(`serial=${details.serialNumber.toUpperCase()}`);
    const fingerprint = /Fingerprint=([0-9A-F:]+)/
      .exec(result.stdout)?.[1]
      ?.replaceAll(':', '')
      .toLowerCase();
    expect(details.fingerprint).toBe(fingerprint);
  });

  it('reads a certificate openssl made, and refuses to trust it for its unknown critical extension', () => {
    const made = openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        '/dev/null',
        '-subj',
        '/C=SE/O=Openssl/CN=openssl.test',
        '-days',
        '30',
        '-addext',
        'subjectAltName=DNS:openssl.test,IP:10.0.0.1',
        '-addext',
        'keyUsage=critical,digitalSignature',
        '-addext',
        'extendedKeyUsage=clientAuth',
        '-addext',
        '1.2.3.4=critical,DER:05:00',
        '-outform',
        'DER',
        '-out',
        '{c.der}',
      ],
      {},
      ['c.der'],
    ).outputs['c.der']!;
    const details = parseCertificate(made);
    expect(details.holder.text).toBe('CN=openssl.test,O=Openssl,C=SE');
    expect(details.subjectAltName).toMatchObject({dnsNames: ['openssl.test'], ipAddresses: ['10.0.0.1']});
    expect(details.purpose).toBe('authentication');
    expect(details.isCertificateAuthority).toBe(true);
    expectThrowsCode(() => verifyChain(made, [], [made], {date: new Date()}), 'chain-untrusted');
  });

  it('agrees with openssl verify on which chains hold', async () => {
    const subordinate = await createCertificateAuthority({
      name: [{type: 'commonName', value: 'Too deep CA'}],
      keyAlgorithm: 'ecc-p256',
      parent: pki.issuing,
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + 365 * DAY_MS),
    });
    const deep = (await issueCardCertificate(subordinate, {purpose: 'authentication', notBefore: NOW}))
      .certificate;
    const cases: [string, Uint8Array, Uint8Array[], boolean][] = [
      ['a card certificate through its issuing CA', authentication, [pki.issuing.certificate], true],
      ['a card certificate without its issuing CA', authentication, [], false],
      [
        'a certificate below a CA whose path length is 0',
        deep,
        [subordinate.certificate, pki.issuing.certificate],
        false,
      ],
    ];
    for (const [, leaf, intermediates, holds] of cases) {
      const result = openssl(
        [
          'verify',
          '-attime',
          String(NOW.getTime() / 1000 + 60),
          '-CAfile',
          '{root.pem}',
          ...(intermediates.length ? ['-untrusted', '{chain.pem}'] : []),
          '{leaf.pem}',
        ],
        {
          'root.pem': certificatePem(pki.root.certificate),
          'chain.pem': intermediates.map(certificatePem).join(''),
          'leaf.pem': certificatePem(leaf),
        },
      );
      expect(result.status === 0).toBe(holds);
      const ours = () =>
        verifyChain(leaf, intermediates, [pki.root.certificate], {date: new Date(NOW.getTime() + 60_000)});
      if (holds) expect(ours()).toHaveLength(intermediates.length + 2);
      else expectThrowsCode(ours, 'chain-untrusted');
    }
  });
});

describe('verifyChain', () => {
  it('returns the path from the leaf through the issuing CA to the anchor', () => {
    const path = verifyChain(authentication, [pki.issuing.certificate], [pki.root.certificate], {date: NOW});
    expect(path.map((certificate) => certificate.holder.commonName)).toEqual([
      'Åsa Öberg',
      'Test SITHS e-id Person HSA-id 3 CA v1',
      'Test SITHS Root CA v1',
    ]);
  });

  it('finds the issuer among unrelated intermediates in any order, and accepts PEM', async () => {
    const other = await createTestPki({root: 'ecc-p256', issuing: 'ecc-p256'});
    const path = verifyChain(
      certificatePem(authentication),
      [other.issuing.certificate, certificatePem(pki.issuing.certificate), other.root.certificate],
      [other.root.certificate, pki.root.certificate],
      {date: NOW},
    );
    expect(path.at(-1)!.der).toEqual(pki.root.certificate);
  });

  it('trusts a leaf that is itself an anchor, and an intermediate given as an anchor', () => {
    expect(verifyChain(pki.root.certificate, [], [pki.root.certificate], {date: NOW})).toHaveLength(1);
    expect(verifyChain(authentication, [], [pki.issuing.certificate], {date: NOW})).toHaveLength(2);
  });

  it('refuses a chain to another root, even one with the same name', async () => {
    const impostor = await createCertificateAuthority({
      name: ROOT_NAME,
      keyAlgorithm: 'ecc-p384',
      notBefore: new Date(NOW.getTime() - DAY_MS),
      notAfter: new Date(NOW.getTime() + DAY_MS),
    });
    expectThrowsCode(
      () => verifyChain(authentication, [pki.issuing.certificate], [impostor.certificate], {date: NOW}),
      'chain-untrusted',
    );
  });

  it('refuses a certificate whose signature was changed', () => {
    const changed = new Uint8Array(authentication);
    changed[changed.length - 5] = changed[changed.length - 5]! ^ 0x01;
    expectThrowsCode(
      () => verifyChain(changed, [pki.issuing.certificate], [pki.root.certificate], {date: NOW}),
      'signature-invalid',
    );
  });

  it('refuses a certificate issued by a holder certificate, which is no CA', async () => {
    const holder = await issueCardCertificate(pki.issuing, {purpose: 'authentication'});
    const key = await generatePrivateKey('ecc-p256');
    const below = await issueCertificate({
      subject: [{type: 'commonName', value: 'Below a holder'}],
      subjectPublicKey: exportPublicKey(key),
      issuer: holder,
      serialNumber: randomSerialNumber(),
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + DAY_MS),
    });
    expectThrowsCode(
      () =>
        verifyChain(below, [holder.certificate, pki.issuing.certificate], [pki.root.certificate], {
          date: NOW,
        }),
      'chain-untrusted',
    );
  });

  it('refuses a leaf outside its validity at the date, at both ends and to the second', () => {
    const details = parseCertificate(authentication);
    const at = (time: number) => () =>
      verifyChain(authentication, [pki.issuing.certificate], [pki.root.certificate], {date: new Date(time)});
    expect(at(details.notBefore.getTime())()).toHaveLength(3);
    expect(at(details.notAfter.getTime())()).toHaveLength(3);
    expectThrowsCode(at(details.notBefore.getTime() - 1000), 'certificate-not-yet-valid');
    expectThrowsCode(at(details.notAfter.getTime() + 1000), 'certificate-expired');
  });

  it('refuses a chain whose issuing CA has expired while the leaf is still valid', async () => {
    const shortLived = await createCertificateAuthority({
      name: [{type: 'commonName', value: 'Short-lived CA'}],
      keyAlgorithm: 'ecc-p256',
      parent: pki.root,
      notBefore: new Date(NOW.getTime() - DAY_MS),
      notAfter: new Date(NOW.getTime() + DAY_MS),
    });
    const {certificate} = await issueCardCertificate(shortLived, {purpose: 'signature'});
    const later = new Date(NOW.getTime() + 2 * DAY_MS);
    expectThrowsCode(
      () => verifyChain(certificate, [shortLived.certificate], [pki.root.certificate], {date: later}),
      'certificate-expired',
    );
  });

  it('refuses a malformed intermediate or anchor with certificate-malformed', () => {
    expectThrowsCode(
      () => verifyChain(authentication, [Uint8Array.of(1, 2, 3)], [pki.root.certificate], {date: NOW}),
      'certificate-malformed',
    );
  });
});

describe('publicKeysEqual', () => {
  it('finds the key of a certificate equal to the key it was issued for, and not to another', async () => {
    const holder = await issueCardCertificate(pki.issuing, {purpose: 'authentication'});
    const spki = parseCertificate(holder.certificate).subjectPublicKeyInfo;
    expect(publicKeysEqual(spki, exportPublicKey(holder.privateKey))).toBe(true);
    expect(publicKeysEqual(spki, parseCertificate(authentication).subjectPublicKeyInfo)).toBe(false);
    expect(publicKeysEqual(spki, Uint8Array.of(1, 2, 3))).toBe(false);
  });

  describeWithOpenssl('with openssl', () => {
    it('finds an EC key equal to itself with its point compressed', async () => {
      const key = exportPublicKey(await generatePrivateKey('ecc-p256'));
      const compressed = openssl(
        [
          'ec',
          '-pubin',
          '-inform',
          'DER',
          '-in',
          '{k.der}',
          '-conv_form',
          'compressed',
          '-outform',
          'DER',
          '-out',
          '{c.der}',
        ],
        {'k.der': key},
        ['c.der'],
      ).outputs['c.der']!;
      expect(compressed.length).toBeLessThan(key.length);
      expect(publicKeysEqual(key, compressed)).toBe(true);
    });
  });
});
