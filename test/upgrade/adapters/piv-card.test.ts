import {generateKeyPairSync} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import type {Transport} from '../../../source/apdu/transports/transport.js';
import {PivSession} from '../../../source/card/piv/session.js';
import {publicKeysEqual} from '../../../source/pki/public-key.js';
import {PivCard} from '../../../source/upgrade/adapters/piv-card.js';
import {hex, toHex, TranscriptTransport} from '../../apdu/transcript-transport.js';
import {CountingTransport} from '../../card/piv/counting-transport.js';
import {autopilot} from '../support/autopilot.js';
import {createWorld, PIN} from '../support/world.js';

const GENERATE = '47';
const GET_METADATA = 'F7';

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
});
