import {createPublicKey, verify, X509Certificate} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {InvalidPinError} from '../../../source/card/errors.js';
import {VirtualEidCard} from '../../../source/card/virtual/eid/eid-card.js';
import {blankEidCard, DEFAULT_EID_PINS, oldSithsEidCard} from '../../../source/card/virtual/eid/profiles.js';
import {SIMULATED_HOLDER} from '../../../source/card/virtual/simulate.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {issueCertificate, randomSerialNumber} from '../../../source/pki/issue.js';
import {EidCard, openEidCard} from '../../../source/upgrade/adapters/eid-card.js';
import type {CardPort, PinSource} from '../../../source/upgrade/ports.js';
import {oldCa} from '../../card/virtual/eid/eid-card-under-test.js';

const ascii = (text: string) => new TextEncoder().encode(text);
const PINS: PinSource = (role) =>
  ascii(role === 'signature' ? DEFAULT_EID_PINS.signature : DEFAULT_EID_PINS.authentication);

async function openOld(): Promise<{card: VirtualEidCard; port: CardPort}> {
  const card = new VirtualEidCard({
    state: await oldSithsEidCard({holder: SIMULATED_HOLDER, issuer: await oldCa()}),
    timing: INSTANT_TIMING,
  });
  return {card, port: await openEidCard(new InProcessTransport(card))};
}

function verifies(publicKey: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  return verify(
    'sha256',
    data,
    createPublicKey({key: Buffer.from(publicKey), format: 'der', type: 'spki'}),
    signature,
  );
}

/** A certificate for `publicKey` from a fresh test CA. */
async function certificateFor(publicKey: Uint8Array, name: string): Promise<Uint8Array> {
  const ca = await oldCa();
  return issueCertificate({
    issuer: ca,
    subject: [{type: 'commonName', value: name}],
    subjectPublicKey: publicKey,
    serialNumber: randomSerialNumber(),
    notBefore: new Date(Date.now() - 1000),
    notAfter: new Date(Date.now() + 86_400_000),
  });
}

describe('EidCard over the virtual old SITHS card', () => {
  it('reads both certificates under key references 1 and 2, the card number and both PINs’ tries', async () => {
    const {port} = await openOld();
    expect(port).toBeInstanceOf(EidCard);
    expect(port.profile).toBe('siths-eid');
    expect(port.pinCount).toBe(2);
    expect(port.authenticateManagementKey).toBeUndefined();
    const certificates = await port.readCertificates();
    expect(certificates.map(({slot}) => slot)).toEqual([1, 2]);
    expect((await port.readIdentity()).cardNumber).toBe(SIMULATED_HOLDER.cardNumber);
    expect(await port.pinTriesLeft('authentication')).toBe(3);
    expect(await port.pinTriesLeft('signature')).toBe(3);
    expect(await port.pukTriesLeft?.()).toBeUndefined();
  });

  it('answers a wrong PIN with InvalidPinError and the tries left, for each role', async () => {
    const {port} = await openOld();
    await expect(port.verifyPin(ascii('999999'), 'signature')).rejects.toMatchObject({
      constructor: InvalidPinError,
      triesLeft: 2,
    });
    expect(await port.pinTriesLeft('signature')).toBe(2);
    expect(await port.pinTriesLeft('authentication')).toBe(3);
    await port.verifyPin(ascii(DEFAULT_EID_PINS.authentication), 'authentication');
    expect(await port.pinTriesLeft('authentication')).toBeUndefined();
  });

  it('signs with the old keys: the signature key asks for its PIN before every signature', async () => {
    const {port} = await openOld();
    let asked = 0;
    const pins: PinSource = (role) => {
      if (role === 'signature') asked++;
      return PINS(role);
    };
    const certificates = await port.readCertificates();
    const signatureKey = new Uint8Array(
      new X509Certificate(certificates[1]!.certificate).publicKey.export({type: 'spki', format: 'der'}),
    );
    const signer = port.signer(2, signatureKey, pins);
    const data = ascii('challenge');
    expect(verifies(signatureKey, data, await signer.sign(data))).toBe(true);
    expect(verifies(signatureKey, data, await signer.sign(data))).toBe(true);
    expect(asked).toBe(2);
  });

  describe('keeps the application it read for the connection', () => {
    /** The old card, one port on it, and how many times that port has read the application (EF.DIR's SELECT). */
    async function counted() {
      const card = new VirtualEidCard({
        state: await oldSithsEidCard({holder: SIMULATED_HOLDER, issuer: await oldCa()}),
        timing: INSTANT_TIMING,
      });
      let applicationReads = 0;
      const trace = (line: string) => {
        if (line.startsWith('> 00 A4 08 00 02 2F 00')) applicationReads++;
      };
      const port = await openEidCard(new InProcessTransport(card), {trace});
      const readsOf = async (work: () => Promise<unknown>) => {
        const before = applicationReads;
        await work();
        return applicationReads - before;
      };
      return {card, port, readsOf};
    }

    it('for what only reads, across holds and after its own writes: a directory write reads the card once', async () => {
      const {card, port, readsOf} = await counted();
      expect(await readsOf(async () => [await port.readIdentity(), await port.readIdentity()])).toBe(0);
      const survey = async () => [
        await port.readIdentity(),
        await port.readCertificates(),
        await port.readPublicKey(1),
        await port.pinTriesLeft('signature'),
      ];
      expect(await readsOf(() => port.exclusive(survey))).toBe(0);
      let certificate: Uint8Array = new Uint8Array();
      const generate = async () => {
        await port.verifyPin(ascii(DEFAULT_EID_PINS.authentication));
        certificate = await certificateFor(await port.generateKey(3, 'rsa-2048', 'once'), 'new');
      };
      expect(await readsOf(() => port.exclusive(generate))).toBe(0);
      const install = async () => {
        await port.writeCertificate(3, certificate);
        expect(await port.readCertificate(3)).toEqual(certificate);
      };
      expect(await readsOf(() => port.exclusive(install))).toBe(1);
      expect(await readsOf(async () => (await port.readCertificates()).map(({slot}) => slot))).toBe(0);
      // Another port on the same card, opened now, finds what this one wrote.
      const other = await openEidCard(new InProcessTransport(card));
      expect((await other.readCertificates()).map(({slot}) => slot)).toEqual([1, 2, 3]);
    });

    it('starts every write from the card, so what another program wrote meanwhile stays', async () => {
      const {card, port, readsOf} = await counted();
      expect((await port.readCertificates()).map(({slot}) => slot)).toEqual([1, 2]);
      await port.verifyPin(ascii(DEFAULT_EID_PINS.authentication));
      const ours = await certificateFor(await port.generateKey(4, 'rsa-2048', 'once'), 'ours');
      // Between two of our holds another program installs a credential: its directory switch moves the PrKDF and
      // CDF to the files that were their spares.
      const other = await openEidCard(new InProcessTransport(card));
      await other.verifyPin(ascii(DEFAULT_EID_PINS.authentication));
      await other.writeCertificate(
        3,
        await certificateFor(await other.generateKey(3, 'rsa-2048', 'once'), 'other'),
      );
      await port.writeCertificate(4, ours);
      expect(
        await readsOf(() =>
          port.exclusive(async () => {
            await port.deleteCertificate(1);
            await port.destroyKey(1);
          }),
        ),
      ).toBe(1);
      expect(await readsOf(() => port.finishLayout())).toBe(1);
      expect((await port.readCertificates()).map(({slot}) => slot)).toEqual([2, 3, 4]);
      const fresh = await openEidCard(new InProcessTransport(card));
      expect((await fresh.readCertificates()).map(({slot}) => slot)).toEqual([2, 3, 4]);
      expect(await fresh.readCertificate(4)).toEqual(ours);
    });

    it('reads the card again after a reconnect and after a hold that failed', async () => {
      const {port, readsOf} = await counted();
      expect(await readsOf(() => port.reconnect().then(() => port.readIdentity()))).toBe(1);
      const failed = port.exclusive(async () => {
        await port.readIdentity();
        throw new Error('the step failed');
      });
      await expect(failed).rejects.toThrow('the step failed');
      expect(await readsOf(async () => [await port.readIdentity(), await port.readIdentity()])).toBe(1);
    });
  });

  it('generates, signs, writes, reads back and deletes credentials', async () => {
    const {card, port} = await openOld();
    await port.verifyPin(ascii(DEFAULT_EID_PINS.authentication));
    const authentication = await port.generateKey(3, 'rsa-2048', 'once');
    const signature = await port.generateKey(4, 'rsa-2048', 'always');
    const data = ascii('request');
    expect(verifies(authentication, data, await port.signer(3, authentication, PINS).sign(data))).toBe(true);
    expect(verifies(signature, data, await port.signer(4, signature, PINS).sign(data))).toBe(true);
    expect(await port.readPublicKey(3)).toEqual(authentication);
    expect(await port.readPublicKey(9)).toBeUndefined();
    const certificate = await certificateFor(authentication, 'new authentication');
    await port.writeCertificate(3, certificate);
    expect(await port.readCertificate(3)).toEqual(certificate);
    await port.writeCertificate(4, await certificateFor(signature, 'new signature'));
    expect((await port.readCertificates()).map(({slot}) => slot)).toEqual([1, 2, 3, 4]);
    await port.deleteCertificate(1);
    await port.destroyKey(1);
    await port.deleteCertificate(2);
    await port.destroyKey(2);
    await port.finishLayout();
    expect((await port.readCertificates()).map(({slot}) => slot)).toEqual([3, 4]);
    const files = [...card.inspect().files.keys()];
    expect(files).not.toContain('3F0050154B01');
    expect(files).not.toContain('3F0050154B02');
    expect(files).not.toContain('3F0050154331');
    expect(files).not.toContain('3F0050154332');
  });

  it('opens a blank card and finds its PINs by the AODF order', async () => {
    const card = new VirtualEidCard({
      state: blankEidCard({cardNumber: SIMULATED_HOLDER.cardNumber}),
      timing: INSTANT_TIMING,
    });
    const port = await openEidCard(new InProcessTransport(card));
    expect(await port.readCertificates()).toEqual([]);
    await port.verifyPin(ascii(DEFAULT_EID_PINS.signature), 'signature');
    expect(await port.pinTriesLeft('signature')).toBeUndefined();
  });
});
