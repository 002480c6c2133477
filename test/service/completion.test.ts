import {afterAll, beforeAll, describe, it} from 'vitest';
import {
  certificateRequest,
  createDemoFixture,
  demoPerson,
  expectRefusedWithoutWriting,
  generateCardKey,
  logInReady,
  StandInCard,
  startTestService,
  type DemoFixture,
  pivIssuanceBody,
} from './service-harness.js';

describe('completeUpgrade', () => {
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

  /** Logs in and has every plan item issued; returns the token and the serials. */
  async function issuedCard(name: string) {
    const card = await StandInCard.create(fixture, demoPerson(name));
    const token = await logInReady(harness.call, card);
    const plan = await harness.call('GET', '/v1/plan', {token});
    const serials: string[] = [];
    for (const item of plan.body.items as {id: string}[]) {
      const answer = await harness.call('POST', '/v1/certificates', {
        token,
        body: await pivIssuanceBody(fixture, item.id, await certificateRequest(generateCardKey('ecc-p256'))),
      });
      serials.push(answer.body.certificate.serial);
    }
    return {card, token, serials};
  }

  it('refuses a completion that leaves a plan item out, or names a certificate of another card', async () => {
    const anna = await issuedCard('Anna');
    const bo = await issuedCard('Bo');
    const complete = (body: unknown) => () =>
      harness.call('POST', '/v1/completion', {token: anna.token, body});
    await expectRefusedWithoutWriting(harness.storeLocation, complete({installed: anna.serials.slice(1)}), {
      status: 409,
      error: 'upgrade-incomplete',
    });
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      complete({installed: [...anna.serials.slice(1), bo.serials[0]]}),
      {status: 404, error: 'certificate-not-found'},
    );
  });
});
