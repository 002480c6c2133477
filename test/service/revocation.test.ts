import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {
  createDemoFixture,
  demoPerson,
  expectRefusedWithoutWriting,
  logIn,
  StandInCard,
  startTestService,
  storeSnapshot,
  type DemoFixture,
} from './service-harness.js';

describe('revokeCertificate', () => {
  let fixture: DemoFixture;
  let harness: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    fixture = await createDemoFixture({keyAlgorithm: 'ecc-p256'});
    harness = await startTestService(fixture);
  });
  afterAll(async () => {
    await harness?.close();
    await fixture?.cleanup();
  });

  it("refuses to show or revoke another person's certificate, as if it did not exist", async () => {
    const annaToken = await logIn(harness.call, await StandInCard.create(fixture, demoPerson('Anna')));
    const boToken = await logIn(harness.call, await StandInCard.create(fixture, demoPerson('Bo')));
    const bosSerial = (await harness.call('GET', '/v1/certificates', {token: boToken})).body.certificates[0]
      .serial;
    const notFound = {status: 404, error: 'certificate-not-found'};
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', `/v1/certificates/${bosSerial}/revocation`, {
          token: annaToken,
          body: {reason: 'unspecified'},
        }),
      notFound,
    );
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => harness.call('GET', `/v1/certificates/${bosSerial}`, {token: annaToken}),
      notFound,
    );
  });

  it('revokes once; revoking again answers the same and writes nothing', async () => {
    const daniel = demoPerson('Daniel');
    const earlier = await logIn(harness.call, await StandInCard.create(fixture, daniel));
    const serial = (await harness.call('GET', '/v1/session', {token: earlier})).body.certificateSerial;
    // Revoked from a session of another certificate: revoking its own login certificate ends a session.
    const token = await logIn(harness.call, await StandInCard.create(fixture, daniel));
    const revoke = () =>
      harness.call('POST', `/v1/certificates/${serial}/revocation`, {
        token,
        body: {reason: 'cessation-of-operation'},
      });
    const first = await revoke();
    expect(first.body).toMatchObject({serial, status: 'revoked', revocationReason: 'cessation-of-operation'});
    const before = await storeSnapshot(harness.storeLocation);
    expect((await revoke()).body).toEqual(first.body);
    expect(await storeSnapshot(harness.storeLocation)).toEqual(before);
  });
});
