import {generateKeyPairSync} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {issueCertificate, randomSerialNumber} from '../../source/pki/issue.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {
  base64,
  certificateRequest,
  createDemoFixture,
  demoPerson,
  expectRefusedWithoutWriting,
  generateCardKey,
  logInReady,
  oldCertificate,
  StandInCard,
  startTestService,
  type DemoFixture,
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
        body: {itemId: item.id, request: base64(await certificateRequest(generateCardKey('ecc-p256')))},
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
    await expectRefusedWithoutWriting(
      harness.storePath,
      complete({installed: anna.serials.slice(1), removed: []}),
      {
        status: 409,
        error: 'upgrade-incomplete',
      },
    );
    await expectRefusedWithoutWriting(
      harness.storePath,
      complete({installed: [...anna.serials.slice(1), bo.serials[0]], removed: []}),
      {status: 404, error: 'certificate-not-found'},
    );
  });

  it('refuses a removed certificate that names someone else or that no CA of the service issued', async () => {
    const daniel = await issuedCard('Daniel');
    const boKey = generateCardKey('ecc-p256');
    const bos = await oldCertificate(fixture, demoPerson('Bo'), boKey, {
      purpose: 'signature',
      cardNumber: demoPerson('Bo').cards[0]!.number,
    });
    const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const foreign = await issueCertificate({
      subject: [{type: 'serialNumber', value: daniel.card.person.hsaId}],
      subjectPublicKey: exportPublicKey(privateKey),
      issuer: {privateKey},
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    const complete = (removed: Uint8Array) => () =>
      harness.call('POST', '/v1/completion', {
        token: daniel.token,
        body: {installed: daniel.serials, removed: [base64(removed)]},
      });
    await expectRefusedWithoutWriting(harness.storePath, complete(bos), {
      status: 403,
      error: 'certificate-not-owned',
    });
    await expectRefusedWithoutWriting(harness.storePath, complete(foreign), {
      status: 400,
      error: 'certificate-foreign',
    });
    const done = await harness.call('POST', '/v1/completion', {
      token: daniel.token,
      body: {installed: daniel.serials, removed: []},
    });
    expect(done.status).toBe(200);
    expect(done.body.installed.every((entry: {installed: boolean}) => entry.installed)).toBe(true);
  });
});
