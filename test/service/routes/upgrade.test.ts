import {createCipheriv, randomBytes} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DEMO_FIXED_KEY_CARD} from '../../../source/service/demo-setup.js';
import {
  base64,
  createDemoFixture,
  demoPerson,
  expectRefusedWithoutWriting,
  logIn,
  StandInCard,
  startTestService,
  type DemoFixture,
} from '../service-harness.js';

const CIPHER = {'aes-192': 'aes-192-ecb', '3des': 'des-ede3-ecb'} as const;

function encrypt(algorithm: 'aes-192' | '3des', key: Uint8Array, block: Uint8Array): Uint8Array {
  const cipher = createCipheriv(CIPHER[algorithm], key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}

describe('management-key relay routes', () => {
  let fixture: DemoFixture;
  let harness: Awaited<ReturnType<typeof startTestService>>;
  let anna: StandInCard;
  let bo: StandInCard;
  beforeAll(async () => {
    fixture = await createDemoFixture({keyAlgorithm: 'ecc-p256'});
    harness = await startTestService(fixture);
    anna = await StandInCard.create(fixture, demoPerson('Anna'));
    bo = await StandInCard.create(fixture, demoPerson('Bo'));
  });
  afterAll(async () => {
    await harness?.close();
    await fixture?.cleanup();
  });

  const openRelay = async (token: string, card: StandInCard, algorithm: 'aes-192' | '3des' = 'aes-192') => {
    const rc = new Uint8Array(randomBytes(algorithm === 'aes-192' ? 16 : 8));
    const answer = await harness.call('POST', '/v1/management-key/witness', {
      token,
      body: {algorithm, witness: base64(encrypt(algorithm, card.managementKey, rc))},
    });
    expect(Buffer.from(answer.body.decryptedWitness, 'base64')).toEqual(Buffer.from(rc));
    return {
      relayId: answer.body.relayId as string,
      challenge: new Uint8Array(Buffer.from(answer.body.challenge, 'base64')),
    };
  };

  it('authenticates a card whose IT-registered fixed key is the factory key, with 3DES', async () => {
    const daniel = await StandInCard.create(fixture, demoPerson('Daniel'));
    expect(daniel.cardNumber).toBe(DEMO_FIXED_KEY_CARD);
    expect(Buffer.from(daniel.managementKey).toString('hex')).toBe(
      '010203040506070801020304050607080102030405060708',
    );
    const token = await logIn(harness.call, daniel);
    const relay = await openRelay(token, daniel, '3des');
    const verdict = await harness.call('POST', '/v1/management-key/response', {
      token,
      body: {
        relayId: relay.relayId,
        response: base64(encrypt('3des', daniel.managementKey, relay.challenge)),
      },
    });
    expect(verdict.body).toEqual({isAuthenticated: true});
  });

  it('refuses a relay answer for the wrong card and writes nothing', async () => {
    const annaToken = await logIn(harness.call, anna);
    const boToken = await logIn(harness.call, bo);
    const relay = await openRelay(annaToken, anna);
    // Bo's session forwards an answer to Anna's relay: not his relay.
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', '/v1/management-key/response', {
          token: boToken,
          body: {
            relayId: relay.relayId,
            response: base64(encrypt('aes-192', anna.managementKey, relay.challenge)),
          },
        }),
      {status: 404, error: 'relay-unknown'},
    );
    // Anna's session forwards the answer of a card holding Bo's key.
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', '/v1/management-key/response', {
          token: annaToken,
          body: {
            relayId: relay.relayId,
            response: base64(encrypt('aes-192', bo.managementKey, relay.challenge)),
          },
        }),
      {status: 403, error: 'relay-response-mismatch'},
    );
  });

  it('refuses a witness that is not one cipher block', async () => {
    const token = await logIn(harness.call, anna);
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', '/v1/management-key/witness', {
          token,
          body: {algorithm: '3des', witness: base64(new Uint8Array(16))},
        }),
      {status: 400, error: 'witness-malformed'},
    );
    await expectRefusedWithoutWriting(
      harness.storeLocation,
      () =>
        harness.call('POST', '/v1/management-key/witness', {
          token,
          body: {algorithm: 'aes-128', witness: base64(new Uint8Array(16))},
        }),
      {status: 400, error: 'body-invalid'},
    );
  });
});
