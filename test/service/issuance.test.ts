import {generateKeyPairSync, X509Certificate} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {
  base64,
  certificateRequest,
  createDemoFixture,
  demoPerson,
  expectRefusedWithoutWriting,
  generateCardKey,
  logIn,
  logInReady,
  StandInCard,
  startTestService,
  type DemoFixture,
  pivIssuanceBody,
} from './service-harness.js';

describe('issueCertificate', () => {
  let fixture: DemoFixture;
  /** One service for the tests; each uses the people it needs, and checks only what it changes. */
  let harness: Awaited<ReturnType<typeof startTestService>>;
  let anna: StandInCard;
  beforeAll(async () => {
    fixture = await createDemoFixture({keyAlgorithm: 'ecc-p256'});
    harness = await startTestService(fixture);
    anna = await StandInCard.create(fixture, demoPerson('Anna'));
  });
  afterAll(async () => {
    await harness?.close();
    await fixture?.cleanup();
  });

  /** Issuance with the attestation a virtual card under the demo's maker root gives the request's key. */
  const issue = async (token: string, itemId: string, request: Uint8Array) =>
    harness.call('POST', '/v1/certificates', {token, body: await pivIssuanceBody(fixture, itemId, request)});

  it('takes the subject from the directory, never from the request', async () => {
    const token = await logInReady(harness.call, anna);
    const request = await certificateRequest(generateCardKey('ecc-p256'), [
      {type: 'organizationName', value: 'Evil Corp'},
      {type: 'commonName', value: 'Mallory'},
    ]);
    const answer = await issue(token, 'hsa-id-authentication', request);
    expect(answer.status).toBe(201);
    const certificate = new X509Certificate(Buffer.from(answer.body.certificate.certificate, 'base64'));
    expect(certificate.subject.split('\n')).toEqual([
      'C=SE',
      'O=Region Demo',
      'CN=Anna Andersson',
      'GN=Anna',
      'SN=Andersson',
      `serialNumber=${anna.person.hsaId}`,
    ]);
    // The card number rides in subjectAltName as an RFC 4108 hardwareModuleName otherName (source/pki).
    expect(certificate.subjectAltName).toMatch(/^othername:/);
    expect(certificate.raw.includes(Buffer.from(anna.cardNumber, 'ascii'))).toBe(true);
  });

  it('returns the same certificate for the same key after a restart of the service', async () => {
    let own = await startTestService(fixture);
    try {
      const token = await logInReady(own.call, anna);
      const request = await certificateRequest(generateCardKey('ecc-p256'));
      const body = await pivIssuanceBody(fixture, 'personnummer-signature', request);
      const first = await own.call('POST', '/v1/certificates', {token, body});
      await own.close();
      own = await startTestService(fixture, {storeLocation: own.storeLocation});
      const again = await own.call('POST', '/v1/certificates', {token: await logIn(own.call, anna), body});
      expect(again.status).toBe(200);
      expect(again.body.certificate.serial).toBe(first.body.certificate.serial);
    } finally {
      await own.close();
    }
  });

  it.each([
    ['Cecilia', 'ordered'],
    ['Eva', 'suspended'],
  ])('refuses the upgrade of a card that is not "received" (%s, %s) and writes nothing', async (name) => {
    const card = await StandInCard.create(fixture, demoPerson(name));
    const token = await logIn(harness.call, card);
    const {call, storeLocation} = harness;
    const refusal = {status: 403, error: 'card-not-received'};
    await expectRefusedWithoutWriting(storeLocation, () => call('GET', '/v1/plan', {token}), refusal);
    await expectRefusedWithoutWriting(
      storeLocation,
      async () =>
        issue(token, 'hsa-id-authentication', await certificateRequest(generateCardKey('ecc-p256'))),
      refusal,
    );
    await expectRefusedWithoutWriting(
      storeLocation,
      () =>
        call('POST', '/v1/management-key/witness', {
          token,
          body: {algorithm: 'aes-192', witness: base64(new Uint8Array(16))},
        }),
      refusal,
    );
  });

  it('refuses issuance before the current terms are accepted', async () => {
    const token = await logIn(harness.call, await StandInCard.create(fixture, demoPerson('Daniel')));
    const request = await certificateRequest(generateCardKey('ecc-p256'));
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => issue(token, 'hsa-id-authentication', request),
      {
        status: 409,
        error: 'terms-not-accepted',
      },
    );
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => harness.call('POST', '/v1/terms/acceptance', {token, body: {version: '2020-1'}}),
      {status: 409, error: 'terms-version-outdated'},
    );
  });

  it('refuses a request for another person and writes nothing', async () => {
    const token = await logInReady(harness.call, anna);
    const bo = demoPerson('Bo');
    for (const [itemId, serialNumber] of [
      ['hsa-id-authentication', bo.hsaId],
      ['personnummer-signature', bo.personnummer],
      ['hsa-id-signature', anna.person.personnummer],
    ] as const) {
      const request = await certificateRequest(generateCardKey('ecc-p256'), [
        {type: 'serialNumber', value: serialNumber},
      ]);
      await expectRefusedWithoutWriting(harness.storeLocation, () => issue(token, itemId, request), {
        status: 403,
        error: 'request-for-another-person',
      });
    }
  });

  it('refuses a key used before: the old login key, another item, another card', async () => {
    const token = await logInReady(harness.call, anna);
    const {storeLocation} = harness;
    const reused = {status: 409, error: 'key-reused'};
    await expectRefusedWithoutWriting(
      storeLocation,
      async () => issue(token, 'hsa-id-authentication', await certificateRequest(anna.authenticationKey)),
      reused,
    );
    const key = generateCardKey('ecc-p256');
    const request = await certificateRequest(key);
    expect((await issue(token, 'personnummer-authentication', request)).status).toBe(201);
    await expectRefusedWithoutWriting(
      storeLocation,
      () => issue(token, 'personnummer-signature', request),
      reused,
    );
    const bo = await StandInCard.create(fixture, demoPerson('Bo'));
    const boToken = await logInReady(harness.call, bo);
    await expectRefusedWithoutWriting(
      storeLocation,
      () => issue(boToken, 'personnummer-authentication', request),
      reused,
    );
  });

  it('refuses a key of another algorithm or size than the plan item asks for', async () => {
    const token = await logInReady(harness.call, anna);
    const p384 = generateKeyPairSync('ec', {namedCurve: 'P-384'}).privateKey;
    const rsa = generateCardKey('rsa-2048');
    for (const key of [p384, rsa]) {
      const request = await certificateRequest(key);
      await expectRefusedWithoutWriting(
        harness.storeLocation,
        () => issue(token, 'hsa-id-authentication', request),
        {
          status: 400,
          error: 'key-algorithm-mismatch',
        },
      );
    }
  });

  it('refuses a request whose signature does not prove possession, a malformed one, and an unknown item', async () => {
    const token = await logInReady(harness.call, anna);
    const request = await certificateRequest(generateCardKey('ecc-p256'));
    const forged = new Uint8Array(request);
    forged[forged.length - 3]! ^= 0x01;
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => issue(token, 'hsa-id-authentication', forged),
      {
        status: 400,
        error: 'request-signature-invalid',
      },
    );
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => issue(token, 'hsa-id-authentication', request.subarray(0, request.length - 10)),
      {status: 400, error: 'request-malformed'},
    );
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => issue(token, 'hsa-id-encryption', request),
      {
        status: 404,
        error: 'plan-item-unknown',
      },
    );
  });
});
