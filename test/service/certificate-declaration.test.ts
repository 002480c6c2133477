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
  logIn,
  logInReady,
  oldCertificate,
  StandInCard,
  startTestService,
  storeSnapshot,
  type DemoFixture,
  pivIssuanceBody,
} from './service-harness.js';

describe('declareCardCertificates (POST /v1/card/certificates/declaration)', () => {
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

  const declare = (token: string, certificates: readonly Uint8Array[]) =>
    harness.call('POST', '/v1/card/certificates/declaration', {
      token,
      body: {certificates: certificates.map(base64)},
    });

  /** The person's old signature certificate from the old CA, for the person's own card unless told otherwise. */
  const oldSignatureCertificate = (card: StandInCard, cardNumber = card.cardNumber) =>
    oldCertificate(fixture, card.person, generateCardKey('ecc-p256'), {purpose: 'signature', cardNumber});

  /** Has every plan item issued (keys stand in for the card's); returns the certificates, DER. */
  async function issueAll(token: string): Promise<{serial: string; der: Uint8Array}[]> {
    const plan = await harness.call('GET', '/v1/plan', {token});
    const issued: {serial: string; der: Uint8Array}[] = [];
    for (const item of plan.body.items as {id: string}[]) {
      const answer = await harness.call('POST', '/v1/certificates', {
        token,
        body: await pivIssuanceBody(fixture, item.id, await certificateRequest(generateCardKey('ecc-p256'))),
      });
      issued.push({
        serial: answer.body.certificate.serial,
        der: new Uint8Array(Buffer.from(answer.body.certificate.certificate, 'base64')),
      });
    }
    return issued;
  }

  it('records an old certificate the service never saw, and completion revokes it without being told again', async () => {
    const card = await StandInCard.create(fixture, demoPerson('Anna'));
    const token = await logInReady(harness.call, card);
    const signature = await oldSignatureCertificate(card);
    const plan = await harness.call('GET', '/v1/plan', {token});
    expect(plan.body.replaces).toHaveLength(1);

    const declared = await declare(token, [card.authenticationCertificate, signature]);
    expect(declared.status).toBe(200);
    const replaces = declared.body.replaces as {serial: string; origin: string; purpose: string}[];
    expect(replaces.map((entry) => entry.purpose).sort()).toEqual(['authentication', 'signature']);
    expect(replaces.every((entry) => entry.origin === 'previous')).toBe(true);
    expect((await harness.call('GET', '/v1/plan', {token})).body.replaces).toEqual(replaces);

    const issued = await issueAll(token);
    const completion = await harness.call('POST', '/v1/completion', {
      token,
      body: {installed: issued.map((entry) => entry.serial)},
    });
    expect(completion.status).toBe(200);
    expect((completion.body.revoked as {serial: string}[]).map((entry) => entry.serial).sort()).toEqual(
      replaces.map((entry) => entry.serial).sort(),
    );
    expect(completion.body.revoked.every((entry: {status: string}) => entry.status === 'revoked')).toBe(true);
  });

  it('answers a repeated declaration, and one naming certificates it issued for the card, without writing', async () => {
    const card = await StandInCard.create(fixture, demoPerson('Bo'));
    const token = await logInReady(harness.call, card);
    const signature = await oldSignatureCertificate(card);
    const first = await declare(token, [signature]);
    expect(first.status).toBe(200);
    const issued = await issueAll(token);

    const before = await storeSnapshot(harness.storeLocation);
    const again = await declare(token, [signature, card.authenticationCertificate, issued[0]!.der]);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await storeSnapshot(harness.storeLocation)).toEqual(before);
    expect((await declare(token, [])).body).toEqual(first.body);
  });

  type Refusal = [
    string,
    (card: StandInCard) => Promise<readonly Uint8Array[]>,
    {status: number; error: string},
  ];
  const refusals: Refusal[] = [
    [
      'bytes that are no certificate',
      async () => [Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01)],
      {status: 400, error: 'certificate-malformed'},
    ],
    [
      'a certificate naming the person that no CA of the service issued',
      async (card) => {
        const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
        return [
          await issueCertificate({
            subject: [{type: 'serialNumber', value: card.person.hsaId}],
            subjectPublicKey: exportPublicKey(privateKey),
            issuer: {privateKey},
            serialNumber: randomSerialNumber(),
            notBefore: new Date(Date.now() - 86_400_000),
            notAfter: new Date(Date.now() + 86_400_000),
          }),
        ];
      },
      {status: 400, error: 'certificate-foreign'},
    ],
    [
      'an old certificate of someone else',
      async () => {
        const eva = demoPerson('Eva');
        return [
          await oldCertificate(fixture, eva, generateCardKey('ecc-p256'), {
            purpose: 'signature',
            cardNumber: eva.cards[0]!.number,
          }),
        ];
      },
      {status: 403, error: 'certificate-not-owned'},
    ],
    [
      "the person's old certificate for another card",
      (card) => oldSignatureCertificate(card, '97522799999999').then((der) => [der]),
      {status: 403, error: 'certificate-not-owned'},
    ],
    [
      'a certificate the service knows for another card',
      async () => {
        // Bo's card logs in, so the service knows its certificate.
        const bos = await StandInCard.create(fixture, demoPerson('Bo'));
        await logIn(harness.call, bos);
        return [bos.authenticationCertificate];
      },
      {status: 403, error: 'certificate-not-owned'},
    ],
    [
      "the person's old certificate together with a foreign one",
      async (card) => {
        const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
        const foreign = await issueCertificate({
          subject: [{type: 'serialNumber', value: card.person.hsaId}],
          subjectPublicKey: exportPublicKey(privateKey),
          issuer: {privateKey},
          serialNumber: randomSerialNumber(),
          notBefore: new Date(Date.now() - 86_400_000),
          notAfter: new Date(Date.now() + 86_400_000),
        });
        return [await oldSignatureCertificate(card), foreign];
      },
      {status: 400, error: 'certificate-foreign'},
    ],
  ];

  it.each(refusals)('refuses %s and records nothing', async (_name, certificates, expected) => {
    const card = await StandInCard.create(fixture, demoPerson('Daniel'));
    const token = await logIn(harness.call, card);
    const declared = await certificates(card);
    await expectRefusedWithoutWriting(harness.storeLocation, () => declare(token, declared), expected);
  });

  it('refuses a card that may not be upgraded', async () => {
    const card = await StandInCard.create(fixture, demoPerson('Cecilia'));
    const token = await logIn(harness.call, card);
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () => declare(token, [card.authenticationCertificate]),
      {status: 403, error: 'card-not-received'},
    );
  });
});
