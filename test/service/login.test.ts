import {generateKeyPairSync, randomBytes} from 'node:crypto';
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {issueCertificate, randomSerialNumber} from '../../source/pki/issue.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {LOGIN_SIGNATURE_PREFIX} from '../../source/protocol/session.js';
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
  sha256,
  StandInCard,
  startTestService,
  storeSnapshot,
  TestClock,
  type DemoFixture,
} from './service-harness.js';

const DAY_MS = 86_400_000;

describe('Login', () => {
  let fixture: DemoFixture;
  let anna: StandInCard;
  /** The service of the tests that need no clock or settings of their own (generous limits: they add up). */
  let shared: Awaited<ReturnType<typeof startTestService>>;
  const running: {close(): Promise<void>}[] = [];
  const start = async (options: Parameters<typeof startTestService>[1] = {}) => {
    const harness = await startTestService(fixture, options);
    running.push(harness);
    return harness;
  };
  beforeAll(async () => {
    fixture = await createDemoFixture();
    anna = await StandInCard.create(fixture, demoPerson('Anna'), {keyAlgorithm: 'rsa-2048'});
    shared = await startTestService(fixture, {
      settings: {limits: {...fixture.settings.limits, loginChallengesPerMinute: 1000}},
    });
  });
  afterEach(async () => {
    for (const harness of running.splice(0)) await harness.close();
  });
  afterAll(async () => {
    await shared?.close();
    await fixture?.cleanup();
  });

  const challenge = (
    call: Awaited<ReturnType<typeof start>>['call'],
    card: StandInCard,
    certificate?: Uint8Array,
  ) =>
    call('POST', '/v1/login/challenge', {
      body: {
        certificate: base64(certificate ?? card.authenticationCertificate),
        cardNumber: card.cardNumber,
        cardProfile: 'piv',
      },
    });

  it('asks the card to sign the prefix and 32 fresh bytes, and opens a session bound to the card', async () => {
    const {call} = shared;
    const first = await challenge(call, anna);
    const second = await challenge(call, anna);
    const toBeSigned = Buffer.from(first.body.toBeSigned, 'base64');
    expect(toBeSigned.subarray(0, LOGIN_SIGNATURE_PREFIX.length).toString('ascii')).toBe(
      LOGIN_SIGNATURE_PREFIX,
    );
    expect(toBeSigned).toHaveLength(LOGIN_SIGNATURE_PREFIX.length + 32);
    expect(second.body.toBeSigned).not.toBe(first.body.toBeSigned);
    const login = await call('POST', '/v1/login', {
      body: {challengeId: first.body.challengeId, signature: base64(anna.signLogin(toBeSigned))},
    });
    expect(login.status).toBe(200);
    expect(login.body.card).toEqual({number: anna.cardNumber, status: 'received'});
    expect(login.body.person.personnummer).toBe(anna.person.personnummer);
  });

  it('logs in with an ECDSA P-256 card key', async () => {
    const {call} = shared;
    const card = await StandInCard.create(fixture, demoPerson('Bo'));
    await expect(logIn(call, card)).resolves.toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('refuses a forged signature with 401 and writes nothing', async () => {
    const {call, storeLocation} = shared;
    const open = await challenge(call, anna);
    const forger = generateCardKey('rsa-2048');
    const forged = anna.signLogin(Buffer.from(open.body.toBeSigned, 'base64'), forger);
    await expectRefusedWithoutWriting(
      storeLocation,
      () =>
        call('POST', '/v1/login', {body: {challengeId: open.body.challengeId, signature: base64(forged)}}),
      {status: 401, error: 'signature-invalid'},
    );
  });

  it('refuses a signature over other bytes than the challenge', async () => {
    const {call, storeLocation} = shared;
    const open = await challenge(call, anna);
    const signature = anna.signLogin(Buffer.from('siths-upgrade/v1 login\nsomething else'));
    await expectRefusedWithoutWriting(
      storeLocation,
      () =>
        call('POST', '/v1/login', {body: {challengeId: open.body.challengeId, signature: base64(signature)}}),
      {status: 401, error: 'signature-invalid'},
    );
  });

  it('refuses a replayed login signature, and a forged one uses the challenge up', async () => {
    const {call, storeLocation} = shared;
    const open = await challenge(call, anna);
    const body = {
      challengeId: open.body.challengeId,
      signature: base64(anna.signLogin(Buffer.from(open.body.toBeSigned, 'base64'))),
    };
    expect((await call('POST', '/v1/login', {body})).status).toBe(200);
    await expectRefusedWithoutWriting(storeLocation, () => call('POST', '/v1/login', {body}), {
      status: 401,
      error: 'challenge-unknown',
    });

    const another = await challenge(call, anna);
    await call('POST', '/v1/login', {
      body: {challengeId: another.body.challengeId, signature: base64(new Uint8Array(256))},
    });
    const late = {
      challengeId: another.body.challengeId,
      signature: base64(anna.signLogin(Buffer.from(another.body.toBeSigned, 'base64'))),
    };
    await expectRefusedWithoutWriting(storeLocation, () => call('POST', '/v1/login', {body: late}), {
      status: 401,
      error: 'challenge-unknown',
    });
  });

  it('refuses an answer after the challenge expired', async () => {
    const clock = new TestClock();
    const {call, storeLocation} = await start({clock});
    const open = await challenge(call, anna);
    clock.advance(2 * 60_000 + 1);
    const body = {
      challengeId: open.body.challengeId,
      signature: base64(anna.signLogin(Buffer.from(open.body.toBeSigned, 'base64'))),
    };
    await expectRefusedWithoutWriting(storeLocation, () => call('POST', '/v1/login', {body}), {
      status: 401,
      error: 'challenge-unknown',
    });
  });

  it('refuses an expired login certificate', async () => {
    const {call, storeLocation} = shared;
    const expired = await StandInCard.create(fixture, demoPerson('Anna'), {
      notBefore: new Date(Date.now() - 10 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    await expectRefusedWithoutWriting(storeLocation, () => challenge(call, expired), {
      status: 401,
      error: 'certificate-expired',
    });
  });

  it('refuses a certificate once the service clock passes its notAfter', async () => {
    const clock = new TestClock();
    const {call, storeLocation} = await start({clock});
    clock.advance(400 * DAY_MS);
    await expectRefusedWithoutWriting(storeLocation, () => challenge(call, anna), {
      status: 401,
      error: 'certificate-expired',
    });
  });

  it('refuses a revoked login certificate', async () => {
    const {call, storeLocation} = shared;
    const card = await StandInCard.create(fixture, demoPerson('Bo'));
    const token = await logIn(call, card);
    const serial = (await call('GET', '/v1/session', {token})).body.certificateSerial;
    const revoked = await call('POST', `/v1/certificates/${serial}/revocation`, {
      token,
      body: {reason: 'key-compromise'},
    });
    expect(revoked.body.status).toBe('revoked');
    await expectRefusedWithoutWriting(storeLocation, () => challenge(call, card), {
      status: 401,
      error: 'certificate-revoked',
    });
  });

  it('ends a session when its login certificate is revoked, and issues nothing in it', async () => {
    const {call, storeLocation} = shared;
    const card = await StandInCard.create(fixture, demoPerson('Bo'));
    const token = await logInReady(call, card);
    const serial = (await call('GET', '/v1/session', {token})).body.certificateSerial;
    const revoked = await call('POST', `/v1/certificates/${serial}/revocation`, {
      token,
      body: {reason: 'key-compromise'},
    });
    expect(revoked.body.status).toBe('revoked');
    const certificatesBefore = (await storeSnapshot(storeLocation)).certificates;
    const issued = await call('POST', '/v1/certificates', {
      token,
      body: {
        itemId: 'hsa-id-authentication',
        request: base64(await certificateRequest(generateCardKey('ecc-p256'))),
      },
    });
    expect({status: issued.status, error: issued.body.error}).toEqual({
      status: 401,
      error: 'session-certificate-revoked',
    });
    expect((await storeSnapshot(storeLocation)).certificates).toEqual(certificatesBefore);
    for (const [method, path] of [
      ['GET', '/v1/session'],
      ['GET', '/v1/plan'],
      ['GET', '/v1/certificates'],
    ] as const) {
      const answer = await call(method, path, {token});
      expect({path, status: answer.status, error: answer.body.error}).toEqual({
        path,
        status: 401,
        error: 'session-certificate-revoked',
      });
    }
    const ended = (await storeSnapshot(storeLocation)).sessions as {
      certificate_id: string;
      ended_at: string | null;
    }[];
    const ofCard = ended.filter((row) => row.certificate_id === sha256(card.authenticationCertificate));
    expect(ofCard.map((row) => row.ended_at)).not.toContain(null);
  });

  it('ends a session when its login certificate expires during it', async () => {
    const clock = new TestClock();
    const {call} = await start({clock});
    const card = await StandInCard.create(fixture, demoPerson('Bo'), {
      notAfter: new Date(clock.now().getTime() + 10 * 60_000),
    });
    const token = await logIn(call, card);
    expect((await call('GET', '/v1/plan', {token})).status).toBe(200);
    clock.advance(10 * 60_000 + 1);
    const answer = await call('GET', '/v1/plan', {token});
    expect({status: answer.status, error: answer.body.error}).toEqual({
      status: 401,
      error: 'session-certificate-expired',
    });
  });

  it('refuses a certificate no trusted CA issued', async () => {
    const {call, storeLocation} = shared;
    const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const selfSigned = await issueCertificate({
      subject: [{type: 'serialNumber', value: anna.person.hsaId}],
      subjectPublicKey: exportPublicKey(privateKey),
      issuer: {privateKey},
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + DAY_MS),
    });
    await expectRefusedWithoutWriting(storeLocation, () => challenge(call, anna, selfSigned), {
      status: 401,
      error: 'certificate-untrusted',
    });
    await expectRefusedWithoutWriting(
      storeLocation,
      () => challenge(call, anna, new Uint8Array([0x30, 0x03, 1, 2, 3])),
      {
        status: 400,
        error: 'certificate-malformed',
      },
    );
  });

  it('refuses a signature certificate for login', async () => {
    const {call, storeLocation} = shared;
    const signatureCertificate = await oldCertificate(fixture, anna.person, anna.authenticationKey, {
      purpose: 'signature',
      cardNumber: anna.cardNumber,
    });
    await expectRefusedWithoutWriting(storeLocation, () => challenge(call, anna, signatureCertificate), {
      status: 401,
      error: 'certificate-not-for-login',
    });
  });

  it("refuses another person's card and a card not in the directory", async () => {
    const {call, storeLocation} = shared;
    const bosCard = demoPerson('Bo').cards[0]!.number;
    await expectRefusedWithoutWriting(
      storeLocation,
      () =>
        call('POST', '/v1/login/challenge', {
          body: {
            certificate: base64(anna.authenticationCertificate),
            cardNumber: bosCard,
            cardProfile: 'piv',
          },
        }),
      {status: 403, error: 'card-mismatch'},
    );
    await expectRefusedWithoutWriting(
      storeLocation,
      () =>
        call('POST', '/v1/login/challenge', {
          body: {certificate: base64(anna.authenticationCertificate), cardNumber: '0000', cardProfile: 'piv'},
        }),
      {status: 403, error: 'card-unknown'},
    );
    const stranger = await StandInCard.create(fixture, anna.person, {serialNumber: 'SE2321000016-9999'});
    await expectRefusedWithoutWriting(storeLocation, () => challenge(call, stranger), {
      status: 403,
      error: 'person-unknown',
    });
  });

  it('refuses a certificate naming one card presented with another card of the same person', async () => {
    const persons = fixture.settings.persons.map((person) =>
      person.hsaId === anna.person.hsaId
        ? {...person, cards: [...person.cards, {number: '9752270000000099', status: 'received' as const}]}
        : person,
    );
    const {call, storeLocation} = await start({settings: {persons}});
    await expectRefusedWithoutWriting(
      storeLocation,
      () =>
        call('POST', '/v1/login/challenge', {
          body: {
            certificate: base64(anna.authenticationCertificate),
            cardNumber: '9752270000000099',
            cardProfile: 'piv',
          },
        }),
      {status: 403, error: 'card-mismatch'},
    );
  });

  it('locks a certificate out after repeated failed signatures, and says when to retry', async () => {
    const limits = {...fixture.settings.limits, loginFailuresPerCertificate: 3};
    const {call, storeLocation} = await start({settings: {limits}});
    for (let attempt = 0; attempt < 3; attempt++) {
      const open = await challenge(call, anna);
      const answer = await call('POST', '/v1/login', {
        body: {challengeId: open.body.challengeId, signature: base64(new Uint8Array(256).fill(attempt + 1))},
      });
      expect(answer.body.error).toBe('signature-invalid');
    }
    const before = await storeSnapshot(storeLocation);
    const locked = await challenge(call, anna);
    expect(locked.status).toBe(429);
    expect(locked.body.error).toBe('too-many-attempts');
    expect(locked.body.retryAfterSeconds).toBeGreaterThan(0);
    expect(locked.headers['retry-after']).toBe(String(locked.body.retryAfterSeconds));
    expect(await storeSnapshot(storeLocation)).toEqual(before);
  });

  it('limits the challenges for one certificate from an address, not the others from that address', async () => {
    const limits = {...fixture.settings.limits, loginChallengesPerMinute: 2};
    const {call} = await start({settings: {limits}});
    expect((await challenge(call, anna)).status).toBe(200);
    expect((await challenge(call, anna)).status).toBe(200);
    const third = await challenge(call, anna);
    expect(third.status).toBe(429);
    expect(third.body.error).toBe('too-many-attempts');
    const bo = await StandInCard.create(fixture, demoPerson('Bo'));
    await expect(logIn(call, bo)).resolves.toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('logs a card in from an address that floods the service with garbage challenges', async () => {
    // The default limits, as a ward's thin clients behind one address meet them.
    const {call} = await start();
    const garbage = await Promise.all(
      Array.from({length: 80}, (_, index) =>
        call('POST', '/v1/login/challenge', {
          body: {
            certificate: base64(new Uint8Array(randomBytes(64 + index))),
            cardNumber: `0000${index}`,
            cardProfile: 'piv',
          },
        }),
      ),
    );
    expect(new Set(garbage.map((answer) => answer.body.error))).toEqual(new Set(['certificate-malformed']));
    await expect(logIn(call, anna)).resolves.toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('keeps a ceiling on the challenges from one address', async () => {
    const limits = {...fixture.settings.limits, loginChallengesPerAddressPerMinute: 3};
    const {call} = await start({settings: {limits}});
    const bo = await StandInCard.create(fixture, demoPerson('Bo'));
    expect((await challenge(call, anna)).status).toBe(200);
    expect((await challenge(call, bo)).status).toBe(200);
    expect((await challenge(call, anna, new Uint8Array([0x30, 0x03, 1, 2, 3]))).status).toBe(400);
    const fourth = await challenge(call, bo);
    expect({status: fourth.status, error: fourth.body.error}).toEqual({
      status: 429,
      error: 'too-many-attempts',
    });
  });

  it('ends a session when it expires, and on logout', async () => {
    const clock = new TestClock();
    const {call} = await start({clock});
    const token = await logIn(call, anna);
    expect((await call('GET', '/v1/session', {token})).status).toBe(200);
    clock.advance(fixture.settings.sessionMinutes * 60_000);
    const expired = await call('GET', '/v1/session', {token});
    expect({status: expired.status, error: expired.body.error}).toEqual({
      status: 401,
      error: 'session-expired',
    });

    const second = await logIn(call, anna);
    expect((await call('POST', '/v1/logout', {token: second})).status).toBe(204);
    expect((await call('GET', '/v1/plan', {token: second})).body.error).toBe('session-invalid');
    expect((await call('GET', '/v1/plan')).body.error).toBe('session-missing');
    expect((await call('GET', '/v1/plan', {token: 'x'.repeat(43)})).body.error).toBe('session-invalid');
  });
});
