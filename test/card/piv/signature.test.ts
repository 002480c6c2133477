import {constants, generateKeyPairSync, privateDecrypt, verify} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {Algorithm} from '../../../source/card/piv/constants.js';
import {signatureInput} from '../../../source/card/piv/signature.js';

describe('signatureInput', () => {
  it('builds the PKCS#1 v1.5 block whose raw RSA signature node verifies as RSA-SHA256', () => {
    const {privateKey, publicKey} = generateKeyPairSync('rsa', {modulusLength: 2048});
    const message = new TextEncoder().encode('to be signed');
    const block = signatureInput(
      {algorithm: Algorithm.Rsa2048, signatureAlgorithm: 'rsa-pkcs1-sha256'},
      message,
    );
    expect(block.length).toBe(256);
    expect([block[0], block[1], block[2]]).toEqual([0x00, 0x01, 0xff]);
    // What the card does: m^d mod n with no padding of its own.
    const raw = privateDecrypt({key: privateKey, padding: constants.RSA_NO_PADDING}, block);
    expect(verify('sha256', message, publicKey, raw)).toBe(true);
  });

  it('hashes with SHA-256 for P-256 and SHA-384 for P-384', () => {
    const message = new TextEncoder().encode('abc');
    expect(
      signatureInput({algorithm: Algorithm.EccP256, signatureAlgorithm: 'ecdsa-sha256'}, message).length,
    ).toBe(32);
    const hash384 = signatureInput(
      {algorithm: Algorithm.EccP384, signatureAlgorithm: 'ecdsa-sha384'},
      message,
    );
    expect(Buffer.from(hash384).toString('hex')).toBe(
      'cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7',
    );
  });
});
