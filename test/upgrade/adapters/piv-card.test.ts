import {createPublicKey, generateKeyPairSync, verify} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {ApduProtocol} from '../../../source/apdu/protocol.js';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import type {Transport} from '../../../source/apdu/transports/transport.js';
import {InvalidPinError} from '../../../source/card/errors.js';
import {INS_PUT_DATA, ObjectId, P1_DATA, P2_DATA, Slot} from '../../../source/card/piv/constants.js';
import {LocalManagementKey} from '../../../source/card/piv/management-key.js';
import {encodeKeyHistory, putDataBody} from '../../../source/card/piv/objects.js';
import {PivSession} from '../../../source/card/piv/session.js';
import {DEFAULT_MANAGEMENT_KEY, factoryState} from '../../../source/card/virtual/state.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import type {FirmwareVersion} from '../../../source/card/piv/session.js';
import {publicKeysEqual} from '../../../source/pki/public-key.js';
import type {PinRole} from '../../../source/upgrade/ports.js';
import {PivCard} from '../../../source/upgrade/adapters/piv-card.js';
import {hex, toHex, TranscriptTransport} from '../../apdu/transcript-transport.js';
import {someCertificate} from '../../card/piv/card-objects.js';
import {CountingTransport} from '../../card/piv/counting-transport.js';
import {autopilot} from '../support/autopilot.js';
import {createWorld, PIN} from '../support/world.js';

const GENERATE = '47';
const GET_METADATA = 'F7';
const FACTORY_PIN = new TextEncoder().encode('123456');

/** A PivCard over a fresh in-process virtual card (factory state), its APDUs counted. */
async function virtualPivCard(firmware?: FirmwareVersion) {
  const virtualCard = new VirtualPivCard({
    state: factoryState({serial: 4711, firmware}),
    timing: INSTANT_TIMING,
  });
  const transport = new CountingTransport(new InProcessTransport(virtualCard));
  /** A new PivCard on the same card, as the next run of the tool opens it. */
  const open = async () => new PivCard(await PivSession.open(transport));
  return {transport, open, card: await open()};
}

function verifies(spki: Uint8Array, message: Uint8Array, signature: Uint8Array, hash = 'sha256'): boolean {
  const key = createPublicKey({key: Buffer.from(spki), format: 'der', type: 'spki'});
  return verify(hash, message, key, signature);
}

describe('PivCard', () => {
  it('signs with a key it just generated without asking the card for the key again (no GET METADATA)', async () => {
    const {publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const spki = new Uint8Array(publicKey.export({type: 'spki', format: 'der'}));
    const point = toHex(spki.subarray(spki.length - 65));
    // SHA-256("abc")
    const hash =
      'BA 78 16 BF 8F 01 CF EA 41 41 40 DE 5D AE 22 23 B0 03 61 A3 96 17 7A 9C B4 10 FF 61 F2 00 15 AD';
    const signature = '30 06 02 01 01 02 01 01';
    // The key's policy is "always": the PIN goes right before the signature, as the GENERATE asked.
    const transport = new TranscriptTransport(
      `> 00 A4 04 00 0B A0 00 00 03 08 00 00 10 00 01 00 00
       < 61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08 90 00
       > 00 FD 00 00 00
       < 05 07 01 90 00
       > 00 47 00 82 08 AC 06 80 01 11 AA 01 03 00
       < 7F 49 43 86 41 ${point} 90 00
       > 00 20 00 80 08 31 32 33 34 35 36 FF FF
       < 90 00
       > 00 87 11 82 26 7C 24 82 00 81 20 ${hash} 00
       < 7C 0A 82 08 ${signature} 90 00`,
    );
    const card = new PivCard(await PivSession.open(transport));
    const generated = await card.generateKey(0x82, 'ecc-p256', 'always');
    expect(publicKeysEqual(generated, spki)).toBe(true);
    const signed = await card.signer(0x82, generated, () => hex('31 32 33 34 35 36')).sign(hex('61 62 63'));
    expect(toHex(signed)).toBe(signature);
    transport.assertDone();
  });

  it('sends no GET METADATA after the first GENERATE of a whole upgrade', async () => {
    const transports: CountingTransport[] = [];
    const world = await createWorld({
      wrapTransport: (transport: Transport) => {
        const counting = new CountingTransport(transport);
        transports.push(counting);
        return counting;
      },
    });
    try {
      const engine = world.engine();
      const final = await autopilot(engine, {pin: PIN, operation: 'upgrade'});
      await engine.dispose();
      expect(final).toMatchObject({type: 'done'});
      const sent = transports.flatMap((transport) => transport.takeInstructions());
      expect(sent.filter((ins) => ins === GENERATE)).toHaveLength(4);
      expect(sent.slice(sent.indexOf(GENERATE)).filter((ins) => ins === GET_METADATA)).toEqual([]);
    } finally {
      await world.close();
    }
  });

  it('is a one-PIN PIV card whose identity is the serial when it has no CHUID', async () => {
    const {card} = await virtualPivCard();
    expect(card.profile).toBe('piv');
    expect(card.pinCount).toBe(1);
    expect(await card.readIdentity()).toEqual({cardNumber: undefined, cardId: '4711'});
    expect(await card.readCertificates()).toEqual([]);
  });

  it('counts the PIN tries down, reports none while the PIN is verified, and 0 once blocked', async () => {
    const {card} = await virtualPivCard();
    expect(await card.pinTriesLeft()).toBe(3);
    await expect(card.verifyPin(new TextEncoder().encode('654321'))).rejects.toBeInstanceOf(InvalidPinError);
    expect(await card.pinTriesLeft()).toBe(2);
    await card.verifyPin(FACTORY_PIN);
    expect(await card.pinTriesLeft()).toBeUndefined();
    expect(await card.pukTriesLeft()).toBe(3);
    const wrong = new TextEncoder().encode('000000');
    for (let attempt = 0; attempt < 3; attempt++) await card.verifyPin(wrong).catch(() => undefined);
    expect(await card.pinTriesLeft()).toBe(0);
  });

  it('generates a key with the plan’s algorithm and policy, and signs with it after asking the one PIN', async () => {
    const {card} = await virtualPivCard();
    await card.authenticateManagementKey(new LocalManagementKey(DEFAULT_MANAGEMENT_KEY));
    const spki = await card.generateKey(Slot.Retired1, 'ecc-p256', 'always');
    expect(publicKeysEqual((await card.readPublicKey(Slot.Retired1))!, spki)).toBe(true);
    const asked: PinRole[] = [];
    const signer = card.signer(Slot.Retired1, spki, (role) => {
      asked.push(role);
      return Uint8Array.from(FACTORY_PIN);
    });
    const message = new TextEncoder().encode('challenge');
    expect(verifies(spki, message, await signer.sign(message))).toBe(true);
    expect(verifies(spki, message, await signer.sign(message))).toBe(true);
    // "always": the PIN before each signature, and always the authentication role's (a PIV card has one PIN).
    expect(asked).toEqual(['authentication', 'authentication']);
  });

  it('generates without a PIN policy on a card that offers none, keeping the card’s own', async () => {
    const {card} = await virtualPivCard({major: 3, minor: 4, patch: 0});
    await card.authenticateManagementKey(new LocalManagementKey(DEFAULT_MANAGEMENT_KEY));
    const spki = await card.generateKey(Slot.Authentication, 'rsa-2048', 'once');
    await card.verifyPin(FACTORY_PIN);
    const message = new TextEncoder().encode('challenge');
    expect(verifies(spki, message, await card.signer(Slot.Authentication, spki).sign(message))).toBe(true);
  });

  it('writes a retired certificate again when a torn write left Key History short, and sends nothing when it is right', async () => {
    const {card, open, transport} = await virtualPivCard();
    const managementKey = new LocalManagementKey(DEFAULT_MANAGEMENT_KEY);
    await card.authenticateManagementKey(managementKey);
    const [first, second] = [await someCertificate('Anna'), await someCertificate('Bertil')];
    await card.writeCertificate(Slot.Retired1, first);
    await card.writeCertificate(Slot.Retired2, second);
    // The write of 83 was torn after the certificate and before Key History: the card counts only 82.
    await new ApduProtocol(transport).send({
      cla: 0,
      ins: INS_PUT_DATA,
      p1: P1_DATA,
      p2: P2_DATA,
      data: putDataBody(
        ObjectId.KeyHistory,
        encodeKeyHistory({onCardCertificates: 1, offCardCertificates: 0}),
      ),
    });

    const resumed = await open();
    await resumed.authenticateManagementKey(managementKey);
    await resumed.finishLayout();
    const judge = await PivSession.open(transport);
    expect((await judge.keyHistory())?.onCardCertificates).toBe(2);
    expect((await judge.readCertificates()).map(({slot}) => slot)).toEqual([Slot.Retired1, Slot.Retired2]);

    const settled = await open();
    await settled.readCertificates();
    transport.take();
    await settled.finishLayout();
    expect(transport.take()).toBe(0);
  });
});
