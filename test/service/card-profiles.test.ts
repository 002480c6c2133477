import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DEFAULT_SITHS_EID_PLAN} from '../../source/service/config.js';
import {
  base64,
  certificateRequest,
  createDemoFixture,
  demoPerson,
  expectRefusedWithoutWriting,
  generateCardKey,
  logIn,
  StandInCard,
  startTestService,
  type DemoFixture,
  storeSnapshot,
} from './service-harness.js';

/**
 * The card profile a login names: the session plans, issues and completes for that profile's plan, and a SITHS
 * EID session has no management key. The demo's PIV plan is ECC P-256 here, so a PIV item and a SITHS EID item
 * of the same id differ in key algorithm and slot.
 */
describe('card profiles', () => {
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

  /** Logs in as a card of `profile` and accepts the current terms. */
  async function readySession(
    call: typeof harness.call,
    card: StandInCard,
    profile: 'piv' | 'siths-eid',
  ): Promise<string> {
    const token = await logIn(
      call,
      card,
      {certificate: card.authenticationCertificate, key: card.authenticationKey},
      profile,
    );
    const terms = await call('GET', '/v1/terms');
    await call('POST', '/v1/terms/acceptance', {token, body: {version: terms.body.version}});
    return token;
  }

  const planRows = (items: {id: string; slot: string; keyAlgorithm: string; pinPolicy: string}[]) =>
    items.map((item) => [item.id, item.slot, item.keyAlgorithm, item.pinPolicy]);

  it('plans for the profile the login named: PIV slots for a PIV card, key files 03 to 06 for a SITHS EID card', async () => {
    const anna = await StandInCard.create(fixture, demoPerson('Anna'));
    const piv = await logIn(harness.call, anna);
    const eid = await logIn(
      harness.call,
      anna,
      {certificate: anna.authenticationCertificate, key: anna.authenticationKey},
      'siths-eid',
    );
    const pivPlan = await harness.call('GET', '/v1/plan', {token: piv});
    const eidPlan = await harness.call('GET', '/v1/plan', {token: eid});
    expect(planRows(pivPlan.body.items)).toEqual([
      ['personnummer-authentication', '82', 'ecc-p256', 'once'],
      ['personnummer-signature', '83', 'ecc-p256', 'always'],
      ['hsa-id-authentication', '9a', 'ecc-p256', 'once'],
      ['hsa-id-signature', '9c', 'ecc-p256', 'always'],
    ]);
    expect(planRows(eidPlan.body.items)).toEqual([
      ['personnummer-authentication', '03', 'rsa-2048', 'once'],
      ['personnummer-signature', '04', 'rsa-2048', 'always'],
      ['hsa-id-authentication', '05', 'rsa-2048', 'once'],
      ['hsa-id-signature', '06', 'rsa-2048', 'always'],
    ]);
    expect(eidPlan.body.items.map((item: {subject: unknown}) => item.subject)).toEqual(
      pivPlan.body.items.map((item: {subject: unknown}) => item.subject),
    );
  });

  it('refuses to issue the PIV plan’s ECC certificate in a SITHS EID session, and writes nothing', async () => {
    const bo = await StandInCard.create(fixture, demoPerson('Bo'));
    const token = await readySession(harness.call, bo, 'siths-eid');
    const request = base64(await certificateRequest(generateCardKey('ecc-p256')));
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', '/v1/certificates', {token, body: {itemId: 'hsa-id-authentication', request}}),
      {status: 400, error: 'key-algorithm-mismatch'},
    );
  });

  it('refuses the management-key relay in a SITHS EID session with no-management-key', async () => {
    const daniel = await StandInCard.create(fixture, demoPerson('Daniel'));
    const token = await readySession(harness.call, daniel, 'siths-eid');
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', '/v1/management-key/witness', {
          token,
          body: {algorithm: 'aes-192', witness: base64(new Uint8Array(16))},
        }),
      {status: 409, error: 'no-management-key'},
    );
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', '/v1/management-key/response', {
          token,
          body: {relayId: 'AAAAAAAAAAAAAAAAAAAAAAAA', response: base64(new Uint8Array(16))},
        }),
      {status: 409, error: 'no-management-key'},
    );
  });
});

/** A service whose SITHS EID plan holds one item, to see an item of the PIV plan refused and a completion. */
describe('a SITHS EID session with a plan of its own', () => {
  let fixture: DemoFixture;
  let harness: Awaited<ReturnType<typeof startTestService>>;
  const eidItem = DEFAULT_SITHS_EID_PLAN[0]!;
  beforeAll(async () => {
    fixture = await createDemoFixture({keyAlgorithm: 'ecc-p256'});
    harness = await startTestService(fixture, {
      settings: {plans: {piv: fixture.settings.plans.piv, 'siths-eid': [eidItem]}},
    });
  });
  afterAll(async () => {
    await harness?.close();
    await fixture?.cleanup();
  });

  it('refuses an item that only the PIV plan has, issues its own RSA item, and records the profile on completion', async () => {
    const anna = await StandInCard.create(fixture, demoPerson('Anna'));
    const token = await logIn(
      harness.call,
      anna,
      {certificate: anna.authenticationCertificate, key: anna.authenticationKey},
      'siths-eid',
    );
    const terms = await harness.call('GET', '/v1/terms');
    await harness.call('POST', '/v1/terms/acceptance', {token, body: {version: terms.body.version}});

    const ecc = base64(await certificateRequest(generateCardKey('ecc-p256')));
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', '/v1/certificates', {
          token,
          body: {itemId: 'hsa-id-authentication', request: ecc},
        }),
      {status: 404, error: 'plan-item-unknown'},
    );

    const rsa = base64(await certificateRequest(generateCardKey('rsa-2048')));
    const issued = await harness.call('POST', '/v1/certificates', {
      token,
      body: {itemId: 'personnummer-authentication', request: rsa},
    });
    expect(issued.status).toBe(201);
    const refetched = await harness.call('GET', '/v1/card/certificates', {token});
    expect(refetched.body.certificates.map((entry: {slot: string}) => entry.slot)).toEqual(['03']);

    const completed = await harness.call('POST', '/v1/completion', {
      token,
      body: {installed: [issued.body.certificate.serial]},
    });
    expect(completed.status).toBe(200);
    const snapshot = await storeSnapshot(harness.storeLocation);
    expect(snapshot.completions!.map((row) => (row as {card_profile: string}).card_profile)).toEqual([
      'siths-eid',
    ]);
    expect(new Set(snapshot.sessions!.map((row) => (row as {card_profile: string}).card_profile))).toEqual(
      new Set(['siths-eid']),
    );
  });
});
