import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto';
import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {RefusalError} from '../../source/service/errors.js';
import {ManagementKeyRelay} from '../../source/service/management-key-relay.js';
import {openStore} from '../../source/service/store/open-store.js';
import type {Store} from '../../source/service/store/store.js';
import {freshStoreLocation} from '../support/test-store.js';

const KEY_A = new Uint8Array(randomBytes(24));
const KEY_B = new Uint8Array(randomBytes(24));
const CIPHER = {'aes-192': 'aes-192-ecb', '3des': 'des-ede3-ecb'} as const;

/** The card's side of PIV mutual authentication, with node:crypto. */
function card(key: Uint8Array, algorithm: 'aes-192' | '3des') {
  const run = (decipher: boolean, block: Uint8Array) => {
    const cipher = decipher
      ? createDecipheriv(CIPHER[algorithm], key, null)
      : createCipheriv(CIPHER[algorithm], key, null);
    cipher.setAutoPadding(false);
    return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
  };
  const rc = new Uint8Array(randomBytes(algorithm === 'aes-192' ? 16 : 8));
  return {
    rc,
    witness: run(false, rc),
    answer: (rh: Uint8Array) => run(false, rh),
    decrypt: (b: Uint8Array) => run(true, b),
  };
}

let store: Store;
let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'siths-relay-'));
  store = await openStore(await freshStoreLocation(directory));
});
afterEach(async () => {
  await store.close();
  await rm(directory, {recursive: true, force: true});
});

function relayWith(keys: Record<string, Uint8Array>, now = () => new Date()) {
  return new ManagementKeyRelay(store, (cardNumber) => new Uint8Array(keys[cardNumber]!), now);
}

describe('ManagementKeyRelay', () => {
  it.each(['aes-192', '3des'] as const)(
    'completes mutual authentication with a %s card',
    async (algorithm) => {
      const relay = relayWith({'1001': KEY_A});
      const party = {sessionId: 's1', cardNumber: '1001'};
      const theCard = card(KEY_A, algorithm);
      const answer = await relay.answerWitness(party, algorithm, theCard.witness);
      expect(answer.decryptedWitness).toEqual(theCard.rc);
      await expect(
        relay.checkResponse(party, answer.relayId, theCard.answer(answer.challenge)),
      ).resolves.toBe(algorithm);
    },
  );

  it('refuses the answer of a card holding another key', async () => {
    const relay = relayWith({'1001': KEY_A});
    const party = {sessionId: 's1', cardNumber: '1001'};
    const answer = await relay.answerWitness(party, 'aes-192', card(KEY_A, 'aes-192').witness);
    const wrongCard = card(KEY_B, 'aes-192');
    await expect(
      relay.checkResponse(party, answer.relayId, wrongCard.answer(answer.challenge)),
    ).rejects.toThrow(expect.objectContaining({code: 'relay-response-mismatch'}));
  });

  it('answers a relay only for the session and card that opened it, and only once', async () => {
    const relay = relayWith({'1001': KEY_A, '2002': KEY_B});
    const party = {sessionId: 's1', cardNumber: '1001'};
    const theCard = card(KEY_A, '3des');
    const answer = await relay.answerWitness(party, '3des', theCard.witness);
    const response = theCard.answer(answer.challenge);
    for (const other of [
      {sessionId: 's2', cardNumber: '1001'},
      {sessionId: 's1', cardNumber: '2002'},
    ]) {
      await expect(relay.checkResponse(other, answer.relayId, response)).rejects.toThrow(
        expect.objectContaining({code: 'relay-unknown'}),
      );
    }
    await relay.checkResponse(party, answer.relayId, response);
    await expect(relay.checkResponse(party, answer.relayId, response)).rejects.toThrow(
      expect.objectContaining({code: 'relay-unknown'}),
    );
  });

  it('forgets a relay after two minutes', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const relay = relayWith({'1001': KEY_A}, () => new Date(now));
    const party = {sessionId: 's1', cardNumber: '1001'};
    const theCard = card(KEY_A, 'aes-192');
    const answer = await relay.answerWitness(party, 'aes-192', theCard.witness);
    now += 2 * 60 * 1000;
    await expect(
      relay.checkResponse(party, answer.relayId, theCard.answer(answer.challenge)),
    ).rejects.toThrow(RefusalError);
  });

  it('refuses a witness that is not one cipher block', async () => {
    const relay = relayWith({'1001': KEY_A});
    await expect(
      relay.answerWitness({sessionId: 's', cardNumber: '1001'}, 'aes-192', new Uint8Array(8)),
    ).rejects.toThrow(expect.objectContaining({code: 'witness-malformed'}));
  });
});
