import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {RefusalError} from '../../source/service/errors.js';
import {ManagementKeyRelay} from '../../source/service/management-key-relay.js';

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

function relayWith(keys: Record<string, Uint8Array>, now = () => new Date()) {
  return new ManagementKeyRelay((cardNumber) => new Uint8Array(keys[cardNumber]!), now);
}

describe('ManagementKeyRelay', () => {
  it.each(['aes-192', '3des'] as const)('completes mutual authentication with a %s card', (algorithm) => {
    const relay = relayWith({'1001': KEY_A});
    const party = {sessionId: 's1', cardNumber: '1001'};
    const theCard = card(KEY_A, algorithm);
    const answer = relay.answerWitness(party, algorithm, theCard.witness);
    expect(answer.decryptedWitness).toEqual(theCard.rc);
    expect(() => relay.checkResponse(party, answer.relayId, theCard.answer(answer.challenge))).not.toThrow();
  });

  it('refuses the answer of a card holding another key', () => {
    const relay = relayWith({'1001': KEY_A});
    const party = {sessionId: 's1', cardNumber: '1001'};
    const answer = relay.answerWitness(party, 'aes-192', card(KEY_A, 'aes-192').witness);
    const wrongCard = card(KEY_B, 'aes-192');
    expect(() => relay.checkResponse(party, answer.relayId, wrongCard.answer(answer.challenge))).toThrow(
      expect.objectContaining({code: 'relay-response-mismatch'}),
    );
  });

  it('answers a relay only for the session and card that opened it, and only once', () => {
    const relay = relayWith({'1001': KEY_A, '2002': KEY_B});
    const party = {sessionId: 's1', cardNumber: '1001'};
    const theCard = card(KEY_A, '3des');
    const answer = relay.answerWitness(party, '3des', theCard.witness);
    const response = theCard.answer(answer.challenge);
    for (const other of [
      {sessionId: 's2', cardNumber: '1001'},
      {sessionId: 's1', cardNumber: '2002'},
    ]) {
      expect(() => relay.checkResponse(other, answer.relayId, response)).toThrow(
        expect.objectContaining({code: 'relay-unknown'}),
      );
    }
    relay.checkResponse(party, answer.relayId, response);
    expect(() => relay.checkResponse(party, answer.relayId, response)).toThrow(
      expect.objectContaining({code: 'relay-unknown'}),
    );
  });

  it('forgets a relay after two minutes', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const relay = relayWith({'1001': KEY_A}, () => new Date(now));
    const party = {sessionId: 's1', cardNumber: '1001'};
    const theCard = card(KEY_A, 'aes-192');
    const answer = relay.answerWitness(party, 'aes-192', theCard.witness);
    now += 2 * 60 * 1000;
    expect(() => relay.checkResponse(party, answer.relayId, theCard.answer(answer.challenge))).toThrow(
      RefusalError,
    );
  });

  it('refuses a witness that is not one cipher block', () => {
    const relay = relayWith({'1001': KEY_A});
    expect(() =>
      relay.answerWitness({sessionId: 's', cardNumber: '1001'}, 'aes-192', new Uint8Array(8)),
    ).toThrow(expect.objectContaining({code: 'witness-malformed'}));
  });
});
