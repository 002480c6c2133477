import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {InProcessTransport} from '../../source/apdu/transports/in-process.js';
import {PivSession} from '../../source/card/piv/session.js';
import {parseCertificate, verifyChain} from '../../source/pki/certificate.js';
import {PivCard} from '../../source/upgrade/adapters/piv-card.js';
import {verifiesWith} from '../../source/upgrade/key-proof.js';
import {autopilot} from './support/autopilot.js';
import {createWorld, HOLDER, PIN, type World} from './support/world.js';

describe('UpgradeEngine over the virtual card and the reference service', () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('upgrades an old-siths card to the four new certificates in 9A, 9C, 82 and 83', async () => {
    const engine = world.engine();
    const steps: number[] = [engine.getState().step];
    const final = await autopilot(engine, {
      pin: PIN,
      operation: 'upgrade',
      onState: (state) => {
        if (steps.at(-1) !== state.step) steps.push(state.step);
      },
    });
    expect(final).toMatchObject({type: 'done'});
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await engine.dispose();

    const session = await PivSession.open(new InProcessTransport(world.card));
    const certificates = await session.readCertificates({isExhaustive: true});
    expect(certificates.map((c) => c.slot).sort()).toEqual([0x82, 0x83, 0x9a, 0x9c]);
    await session.verifyPin(PIN);
    for (const {slot, certificate} of certificates) {
      const details = parseCertificate(certificate);
      verifyChain(certificate, world.trust.intermediates, world.trust.anchors, {date: new Date()});
      expect(details.hsaId ?? details.personnummer).toBe(slot >= 0x9a ? HOLDER.hsaId : HOLDER.personnummer);
      const signer = new PivCard(session).signer(slot, details.subjectPublicKeyInfo, () =>
        new TextEncoder().encode(PIN),
      );
      const message = new TextEncoder().encode(`signed by ${slot}`);
      expect(
        verifiesWith(details.subjectPublicKeyInfo, signer.algorithm, message, await signer.sign(message)),
      ).toBe(true);
    }
    expect((await session.keyHistory())?.onCardCertificates).toBe(2);
    await session.close();
    expect(JSON.stringify(world.log)).not.toContain(PIN);
  });
});
