import {createCipheriv, createDecipheriv, randomBytes, type KeyObject} from 'node:crypto';
import {spawnSync} from 'node:child_process';
import {writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {readAuditLog} from '../../source/service/store/audit-log.js';
import {openStore} from '../../source/service/store/open-store.js';
import {
  base64,
  certificateRequest,
  createDemoFixture,
  demoPerson,
  generateCardKey,
  logIn,
  oldCertificate,
  openssl,
  pemFile,
  StandInCard,
  startTestService,
  type DemoFixture,
  pivIssuanceBody,
} from './service-harness.js';

const isOpensslMissing = spawnSync('openssl', ['version']).error !== undefined;
const mustRun = process.env.CI === 'true';

/** The card's half of PIV management-key mutual authentication (AES-192), with node:crypto. */
function cardCipher(key: Uint8Array, direction: 'encrypt' | 'decrypt', block: Uint8Array): Uint8Array {
  const cipher =
    direction === 'encrypt'
      ? createCipheriv('aes-192-ecb', key, null)
      : createDecipheriv('aes-192-ecb', key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}

describe.skipIf(isOpensslMissing && !mustRun)('startService (openssl judges)', () => {
  let fixture: DemoFixture;
  beforeAll(async () => {
    fixture = await createDemoFixture();
  });
  afterAll(() => fixture?.cleanup());

  it('runs the whole login, plan, relay, issuance, completion, revocation and CRL cycle over HTTPS', async () => {
    const {call, storeLocation, close, service} = await startTestService(fixture);
    try {
      const anna = demoPerson('Anna');
      const card = await StandInCard.create(fixture, anna, {keyAlgorithm: 'rsa-2048'});
      const oldSignatureKey = generateCardKey('rsa-2048');
      const oldSignatureCertificate = await oldCertificate(fixture, anna, oldSignatureKey, {
        purpose: 'signature',
        cardNumber: card.cardNumber,
      });

      // Login with the old authentication certificate.
      const token = await logIn(call, card);
      const session = await call('GET', '/v1/session', {token});
      expect(session.body.person).toMatchObject({hsaId: anna.hsaId, name: 'Anna Andersson'});
      expect(session.body.card).toEqual({number: card.cardNumber, status: 'received'});

      // The plan: four items, the personnummer pair first; the old login certificate is to be replaced.
      const plan = await call('GET', '/v1/plan', {token});
      expect(plan.status).toBe(200);
      expect(plan.body.items.map((item: {id: string; slot: string}) => [item.id, item.slot])).toEqual([
        ['personnummer-authentication', '82'],
        ['personnummer-signature', '83'],
        ['hsa-id-authentication', '9a'],
        ['hsa-id-signature', '9c'],
      ]);
      expect(plan.body.isTermsAccepted).toBe(false);
      expect(plan.body.replaces).toHaveLength(1);

      // Terms, accepted with their version.
      const terms = await call('GET', '/v1/terms');
      expect(terms.body.text.sv).toContain('pinkod');
      const acceptance = await call('POST', '/v1/terms/acceptance', {
        token,
        body: {version: terms.body.version},
      });
      expect(acceptance.body.version).toBe(terms.body.version);

      // Management-key relay: the card's witness, the service's challenge, the card's answer.
      const rc = new Uint8Array(randomBytes(16));
      const witness = await call('POST', '/v1/management-key/witness', {
        token,
        body: {algorithm: 'aes-192', witness: base64(cardCipher(card.managementKey, 'encrypt', rc))},
      });
      expect(Buffer.from(witness.body.decryptedWitness, 'base64')).toEqual(Buffer.from(rc));
      const rh = new Uint8Array(Buffer.from(witness.body.challenge, 'base64'));
      const verdict = await call('POST', '/v1/management-key/response', {
        token,
        body: {
          relayId: witness.body.relayId,
          response: base64(cardCipher(card.managementKey, 'encrypt', rh)),
        },
      });
      expect(verdict.body).toEqual({isAuthenticated: true});

      // Before the card is written: the old signature certificate (never seen at login) is declared.
      const declaration = await call('POST', '/v1/card/certificates/declaration', {
        token,
        body: {certificates: [base64(card.authenticationCertificate), base64(oldSignatureCertificate)]},
      });
      expect(declaration.status).toBe(200);
      expect(declaration.body.replaces).toHaveLength(2);

      // Issuance: one new key per item; the same request again returns the same certificate.
      const keys = new Map<string, KeyObject>();
      const issued = new Map<
        string,
        {certificate: Uint8Array; serial: string; chain: Uint8Array[]; root: Uint8Array}
      >();
      for (const item of plan.body.items as {id: string}[]) {
        const key = generateCardKey('rsa-2048');
        keys.set(item.id, key);
        const body = await pivIssuanceBody(fixture, item.id, await certificateRequest(key));
        const answer = await call('POST', '/v1/certificates', {token, body});
        expect(answer.status).toBe(201);
        const again = await call('POST', '/v1/certificates', {token, body});
        expect(again.status).toBe(200);
        expect(again.body.certificate.serial).toBe(answer.body.certificate.serial);
        issued.set(item.id, {
          certificate: Buffer.from(answer.body.certificate.certificate, 'base64'),
          serial: answer.body.certificate.serial,
          chain: answer.body.chain.map((der: string) => Buffer.from(der, 'base64')),
          root: Buffer.from(answer.body.root, 'base64'),
        });
      }

      // openssl verifies every certificate against the chain and reads the SITHS-like profile.
      const work = fixture.directory;
      for (const [itemId, certificate] of issued) {
        const leaf = await pemFile(work, `${itemId}.pem`, [certificate.certificate]);
        const chain = await pemFile(work, `${itemId}-chain.pem`, certificate.chain);
        const root = await pemFile(work, 'root.pem', [certificate.root]);
        expect(await openssl(['verify', '-CAfile', root, '-untrusted', chain, leaf])).toContain(': OK');
        const text = await openssl(['x509', '-in', leaf, '-noout', '-text', '-nameopt', 'RFC2253']);
        const serialNumber = itemId.startsWith('hsa-id') ? anna.hsaId : anna.personnummer;
        expect(text).toContain(`serialNumber=${serialNumber}`);
        expect(text).toContain('CN=Anna Andersson');
        expect(text).toContain(
          `${service.url}/v1/crl/${itemId.startsWith('hsa-id') ? 'hsa-id' : 'personnummer'}.crl`,
        );
        expect(text).toContain('CA Issuers - URI:');
        if (itemId.endsWith('authentication')) {
          expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
          expect(text).toContain('TLS Web Client Authentication');
        } else {
          expect(text).toMatch(/X509v3 Key Usage: critical\s+Non Repudiation\n/);
          expect(text).not.toContain('Extended Key Usage');
        }
      }

      // Resume: the new personnummer authentication certificate logs in too.
      const resumed = await logIn(call, card, {
        certificate: issued.get('personnummer-authentication')!.certificate,
        key: keys.get('personnummer-authentication')!,
      });
      const resumedPlan = await call('GET', '/v1/plan', {token: resumed});
      expect(resumedPlan.body.items.every((item: {issued?: unknown}) => item.issued !== undefined)).toBe(
        true,
      );

      // A newer certificate for the same card and item revokes the earlier one that never reached the card.
      const newerKey = generateCardKey('rsa-2048');
      const newer = await call('POST', '/v1/certificates', {
        token,
        body: await pivIssuanceBody(fixture, 'hsa-id-signature', await certificateRequest(newerKey)),
      });
      expect(newer.status).toBe(201);
      const superseded = issued.get('hsa-id-signature')!.serial;
      issued.set('hsa-id-signature', {
        ...issued.get('hsa-id-signature')!,
        serial: newer.body.certificate.serial,
      });
      let list = await call('GET', '/v1/certificates', {token});
      expect(
        list.body.certificates.find((entry: {serial: string}) => entry.serial === superseded),
      ).toMatchObject({
        status: 'revoked',
        revocationReason: 'superseded',
      });

      // Completion: the installed certificates; the old ones (one seen at login, one declared) revoked.
      const installed = [...issued.values()].map((entry) => entry.serial);
      const completion = await call('POST', '/v1/completion', {token, body: {installed}});
      expect(completion.status).toBe(200);
      expect(completion.body.installed.map((entry: {serial: string}) => entry.serial).sort()).toEqual(
        [...installed].sort(),
      );
      expect(completion.body.revoked).toHaveLength(2);
      expect(completion.body.revoked.every((entry: {origin: string}) => entry.origin === 'previous')).toBe(
        true,
      );
      // Completion revoked the old certificate this session logged in with: the session has ended, and the
      // repeat comes from the session the new certificate opened.
      const repeated = await call('POST', '/v1/completion', {token: resumed, body: {installed}});
      expect(repeated.body.revoked).toEqual([]);

      // The old CA's CRL lists both old certificates; openssl checks its signature.
      const oldCrl = await call('GET', '/v1/crl/old.crl');
      expect(oldCrl.headers['content-type']).toBe('application/pkix-crl');
      const oldCrlPath = join(work, 'old.crl');
      await writeFile(oldCrlPath, oldCrl.raw);
      const oldCa = await pemFile(work, 'old-ca.pem', [
        fixture.settings.authorities.find((a) => a.id === 'old')!.certificate,
      ]);
      const oldCrlText = await openssl([
        'crl',
        '-inform',
        'DER',
        '-in',
        oldCrlPath,
        '-noout',
        '-text',
        '-CAfile',
        oldCa,
      ]);
      for (const entry of completion.body.revoked) {
        expect(oldCrlText.toUpperCase()).toContain(entry.serial.toUpperCase());
      }
      expect(oldCrlText).toContain('Superseded');

      // The revoked old certificate no longer logs in.
      const refused = await call('POST', '/v1/login/challenge', {
        body: {
          certificate: base64(card.authenticationCertificate),
          cardNumber: card.cardNumber,
          cardProfile: 'piv',
        },
      });
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('certificate-revoked');
      // And the session it opened has ended; the one the new certificate opened goes on.
      const ended = await call('GET', '/v1/session', {token});
      expect({status: ended.status, error: ended.body.error}).toEqual({
        status: 401,
        error: 'session-certificate-revoked',
      });

      // Re-fetch: the card's four current certificates with their slots.
      const refetched = await call('GET', '/v1/card/certificates', {token: resumed});
      expect(refetched.body.certificates.map((entry: {slot: string}) => entry.slot)).toEqual([
        '82',
        '83',
        '9a',
        '9c',
      ]);

      // Revocation (spärr) by the person; the CRL says so and openssl refuses the certificate with the CRL.
      const target = issued.get('hsa-id-authentication')!;
      const revoked = await call('POST', `/v1/certificates/${target.serial}/revocation`, {
        token: resumed,
        body: {reason: 'key-compromise'},
      });
      expect(revoked.body).toMatchObject({status: 'revoked', revocationReason: 'key-compromise'});
      const crl = await call('GET', '/v1/crl/hsa-id.crl');
      const crlPath = join(work, 'hsa-id.crl');
      await writeFile(crlPath, crl.raw);
      const hsaIdCa = await pemFile(work, 'hsa-id-ca.pem', target.chain);
      const root = await pemFile(work, 'root.pem', [target.root]);
      const crlText = await openssl([
        'crl',
        '-inform',
        'DER',
        '-in',
        crlPath,
        '-noout',
        '-text',
        '-CAfile',
        hsaIdCa,
      ]);
      expect(crlText).toContain('Key Compromise');
      expect(crlText.toUpperCase()).toContain(superseded.toUpperCase());
      const crlPem = join(work, 'hsa-id-crl.pem');
      await openssl(['crl', '-inform', 'DER', '-in', crlPath, '-out', crlPem]);
      const leaf = await pemFile(work, 'revoked.pem', [target.certificate]);
      await expect(
        openssl(['verify', '-crl_check', '-CAfile', root, '-untrusted', hsaIdCa, '-CRLfile', crlPem, leaf]),
      ).rejects.toThrow(/certificate revoked/);
      list = await call('GET', '/v1/certificates', {token: resumed});
      expect(
        list.body.certificates.filter((entry: {status: string}) => entry.status === 'valid'),
      ).toHaveLength(3);

      // The audit log tells who did what, and holds no token or key material.
      await close();
      const store = await openStore(storeLocation);
      const audit = await readAuditLog(store);
      await store.close();
      const actions = audit.map((entry) => entry.action);
      for (const action of [
        'logged-in',
        'terms-accepted',
        'management-key-authenticated',
        'certificate-issued',
        'certificate-revoked',
        'crl-published',
        'upgrade-completed',
      ]) {
        expect(actions).toContain(action);
      }
      const text = JSON.stringify(audit);
      for (const secret of [
        token,
        resumed,
        Buffer.from(card.managementKey).toString('hex'),
        base64(card.managementKey),
      ]) {
        expect(text).not.toContain(secret);
      }
    } finally {
      await close();
    }
  });
});
