import {beforeAll, expect, it} from 'vitest';
import {parseCertificate} from '../../source/pki/certificate.js';
import {buildCrl, CrlReason, parseCrl, verifyCrl, type BuildCrlOptions} from '../../source/pki/crl.js';
import {expectOnlyPkiErrorsOnMutations, expectRejectsCode, expectThrowsCode} from './expect-error.js';
import {createTestPki, DAY_MS, issueCardCertificate, NOW, type TestPki} from './fixtures.js';
import {certificatePem, describeWithOpenssl, openssl} from './openssl.js';

let pki: TestPki;
let options: BuildCrlOptions;
beforeAll(async () => {
  pki = await createTestPki();
  options = {
    issuer: pki.issuing,
    number: 7,
    thisUpdate: NOW,
    nextUpdate: new Date(NOW.getTime() + 7 * DAY_MS),
    revoked: [
      {serialNumber: '7f01', revokedAt: new Date(NOW.getTime() - DAY_MS), reason: CrlReason.Superseded},
      {
        serialNumber: '00FF02',
        revokedAt: new Date(NOW.getTime() - 2 * DAY_MS),
        reason: CrlReason.KeyCompromise,
      },
      {serialNumber: '3', revokedAt: new Date(NOW.getTime() - 3 * DAY_MS), reason: CrlReason.Unspecified},
      {serialNumber: '04', revokedAt: new Date(NOW.getTime() - 4 * DAY_MS)},
    ],
  };
});

function crlText(der: Uint8Array, issuer: Uint8Array) {
  return openssl(['crl', '-inform', 'DER', '-in', '{list.crl}', '-noout', '-text', '-CAfile', '{ca.pem}'], {
    'list.crl': der,
    'ca.pem': certificatePem(issuer),
  });
}

describeWithOpenssl('CRLs as openssl reads them', () => {
  it('openssl verifies the signature and reads version 2, the CRL number, the AKI and each reason code', async () => {
    const result = crlText(await buildCrl(options), pki.issuing.certificate);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('verify OK');
    const text = result.stdout;
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toMatch(/X509v3 CRL Number:\s+7\n/);
    expect(text).toContain('Next Update: Mar  8 12:00:00 2026 GMT');
    expect(text).toMatch(
      /Serial Number: 7F01\s+Revocation Date: Feb 28 12:00:00 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Superseded/,
    );
    expect(text).toMatch(
      /Serial Number: FF02\s+Revocation Date: Feb 27 12:00:00 2026 GMT\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Key Compromise/,
    );
    expect(text).toMatch(/Serial Number: 03\s+Revocation Date: Feb 26 12:00:00 2026 GMT\s+Serial Number: 04/);
    const issuerKeyId = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(
      openssl(['x509', '-inform', 'DER', '-in', '{c.der}', '-noout', '-text'], {
        'c.der': pki.issuing.certificate,
      }).stdout,
    )?.[1];
    expect(text).toMatch(new RegExp(`Authority Key Identifier:\\s*\\n\\s*(keyid:)?${issuerKeyId}`));
  });

  it('writes no revoked certificates list when nothing is revoked, and openssl still verifies it', async () => {
    const result = crlText(await buildCrl({...options, revoked: []}), pki.issuing.certificate);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('No Revoked Certificates.');
  });

  it('makes openssl refuse a revoked certificate and accept it under a CRL without it', async () => {
    const {certificate} = await issueCardCertificate(pki.issuing, {purpose: 'authentication'});
    const serialNumber = parseCertificate(certificate).serialNumber;
    const verify = (crl: Uint8Array) =>
      openssl(
        [
          'verify',
          '-crl_check',
          '-attime',
          String(NOW.getTime() / 1000 + 60),
          '-CAfile',
          '{root.pem}',
          '-untrusted',
          '{ca.pem}',
          '-CRLfile',
          '{list.pem}',
          '{leaf.pem}',
        ],
        {
          'root.pem': certificatePem(pki.root.certificate),
          'ca.pem': certificatePem(pki.issuing.certificate),
          'leaf.pem': certificatePem(certificate),
          'list.pem': `-----BEGIN X509 CRL-----\n${Buffer.from(crl).toString('base64')}\n-----END X509 CRL-----\n`,
        },
      );
    const revoked = verify(
      await buildCrl({...options, revoked: [{serialNumber, revokedAt: NOW, reason: CrlReason.Superseded}]}),
    );
    expect(revoked.status).not.toBe(0);
    expect(revoked.stdout + revoked.stderr).toContain('certificate revoked');
    expect(verify(await buildCrl(options)).status).toBe(0);
  });
});

it('reads back the issuer, number, dates, serials (lower-case, no leading zeros) and reasons it wrote', async () => {
  const parsed = verifyCrl(await buildCrl({...options, number: 2n ** 150n}), pki.issuing.certificate);
  expect(parsed.issuer.commonName).toBe('Test SITHS e-id Person HSA-id 3 CA v1');
  expect(parsed.number).toBe(2n ** 150n);
  expect(parsed.thisUpdate).toEqual(NOW);
  expect(parsed.nextUpdate).toEqual(options.nextUpdate);
  expect(parsed.revoked).toEqual([
    {serialNumber: '7f01', revokedAt: new Date(NOW.getTime() - DAY_MS), reason: CrlReason.Superseded},
    {serialNumber: 'ff02', revokedAt: new Date(NOW.getTime() - 2 * DAY_MS), reason: CrlReason.KeyCompromise},
    {serialNumber: '03', revokedAt: new Date(NOW.getTime() - 3 * DAY_MS)},
    {serialNumber: '04', revokedAt: new Date(NOW.getTime() - 4 * DAY_MS)},
  ]);
});

it('refuses to verify a CRL against another issuer, or one changed after signing', async () => {
  const der = await buildCrl(options);
  expectThrowsCode(() => verifyCrl(der, pki.root.certificate), 'signature-invalid');
  const changed = new Uint8Array(der);
  const at = Buffer.from(der).indexOf(Buffer.of(0x02, 0x02, 0x7f, 0x01));
  changed[at + 3] = 0x02;
  expectThrowsCode(() => verifyCrl(changed, pki.issuing.certificate), 'signature-invalid');
  expect(parseCrl(changed).revoked[0]!.serialNumber).toBe('7f02');
});

it('refuses serial numbers that are not 1 to 20 octets of hex, and CRL numbers outside 0 to 2^159-1', async () => {
  for (const serialNumber of ['', 'xyz', '0', '00', 'ff'.repeat(20), '1'.repeat(41)]) {
    await expectRejectsCode(
      buildCrl({...options, revoked: [{serialNumber, revokedAt: NOW}]}),
      'serial-number-invalid',
    );
  }
  await expect(
    buildCrl({...options, revoked: [{serialNumber: '7f'.repeat(20), revokedAt: NOW}]}),
  ).resolves.toBeInstanceOf(Uint8Array);
  await expectRejectsCode(buildCrl({...options, number: -1}), 'serial-number-invalid');
  await expectRejectsCode(buildCrl({...options, number: 2n ** 159n}), 'serial-number-invalid');
  expect(parseCrl(await buildCrl({...options, number: 0})).number).toBe(0n);
});

it('refuses a nextUpdate that is not after thisUpdate, and an issuer key that is not the certificate’s', async () => {
  await expectRejectsCode(buildCrl({...options, nextUpdate: NOW}), 'validity-invalid');
  await expectRejectsCode(
    buildCrl({...options, issuer: {certificate: pki.issuing.certificate, privateKey: pki.root.privateKey}}),
    'key-mismatch',
  );
});

it('throws only PkiError for mutated CRLs', async () => {
  const valid = [await buildCrl(options), await buildCrl({...options, revoked: []})];
  expectOnlyPkiErrorsOnMutations(valid, (bytes) => verifyCrl(bytes, pki.issuing.certificate), 2000);
  expectThrowsCode(() => parseCrl(Uint8Array.of(0x30, 0x00)), 'crl-malformed');
});
