import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {InProcessTransport} from '../../source/apdu/transports/in-process.js';
import {InvalidPinError} from '../../source/card/errors.js';
import {parseCertificate} from '../../source/pki/certificate.js';
import {verifyCrl} from '../../source/pki/crl.js';
import {openEidCard} from '../../source/upgrade/adapters/eid-card.js';
import {verifiesWith} from '../../source/upgrade/key-proof.js';
import type {CardPort} from '../../source/upgrade/ports.js';
import type {EngineState, ServiceCertificateView} from '../../source/upgrade/state.js';
import {httpsClient} from '../service/https-client.js';
import {autopilot} from './support/autopilot.js';
import {isType, stateWhere} from './support/engine-state.js';
import {checkUpgradedEidCard} from './support/eid-layout.js';
import {createWorld, type EidWorld} from './support/world.js';

const encode = (text: string) => new TextEncoder().encode(text);

/** Runs `test` with a world of its own holding the two-PIN SITHS card, closed afterwards. */
async function inEidWorld<T>(test: (world: EidWorld) => Promise<T>): Promise<T> {
  const world = await createWorld({card: 'siths-eid'});
  try {
    return await test(world);
  } finally {
    await world.close();
  }
}

type PinPrompt = Extract<EngineState, {type: 'awaiting-pin'}>;
const isPrompt =
  (matches: (request: PinPrompt['request']) => boolean) =>
  (state: EngineState): state is PinPrompt =>
    state.type === 'awaiting-pin' && matches(state.request);

/** The card's port outside the engine, as a second tool would have it. */
async function withCard<T>(world: EidWorld, work: (card: CardPort) => Promise<T>): Promise<T> {
  const card = await openEidCard(new InProcessTransport(world.card));
  try {
    return await work(card);
  } finally {
    await card.close();
  }
}

/** Everything the card keeps but its PINs: the file tree with every file's content and every key (state file). */
function cardContent(world: EidWorld): unknown {
  world.card.save();
  return (JSON.parse(readFileSync(join(world.dir, 'card.json'), 'utf8')) as {root: unknown}).root;
}

/** Tries left by PIN reference on the card itself: 81 Legitimering, 82 Underskrift, 83 PUK. */
function triesOnCard(world: EidWorld): Record<string, number> {
  return Object.fromEntries(
    [...world.card.inspect().pins].map(([reference, pin]) => [reference.toString(16), pin.remainingRetries]),
  );
}

async function listed(world: EidWorld): Promise<readonly ServiceCertificateView[]> {
  const result = await autopilot(world.engine(), {
    pin: world.pins.authentication,
    operation: 'list-certificates',
  });
  if (result.type !== 'operation-result' || result.result.type !== 'certificates-listed')
    throw new Error(`listing failed: ${JSON.stringify(result)}`);
  return result.result.certificates;
}

describe('UpgradeEngine over the two-PIN SITHS card and the reference service', () => {
  it.concurrent(
    'logs in with the Legitimering PIN, asks the Underskrift PIN after the terms and checks it on the card',
    () =>
      inEidWorld(async (world) => {
        const untouched = cardContent(world);
        const engine = world.engine();
        engine.start();
        const ready = await stateWhere(engine, isType('card-ready'));
        expect(ready.card).toMatchObject({pinCount: 2, pinTriesLeft: 3, signaturePinTriesLeft: 3});

        engine.chooseOperation('upgrade');
        const login = await stateWhere(engine, isType('awaiting-pin'));
        expect(login).toMatchObject({pinCount: 2, request: {reason: 'login', triesLeft: 3}});
        // The login asks the Legitimering PIN: the Underskrift PIN is wrong there.
        engine.submitPin(encode(world.pins.signature));
        await stateWhere(
          engine,
          isPrompt((request) => request.reason === 'login' && request.triesLeft === 2),
        );
        expect(triesOnCard(world)).toMatchObject({81: 2, 82: 3});
        engine.submitPin(encode(world.pins.authentication));
        // The terms accepted once the card has generated a key while they were read.
        await stateWhere(
          engine,
          (state): state is EngineState =>
            state.type === 'awaiting-terms' && (state.preparation?.done ?? 0) >= 1,
        );

        engine.acceptTerms();
        const asked = await stateWhere(engine, isType('awaiting-pin'));
        expect(asked.request).toMatchObject({reason: 'signature', triesLeft: 3, wasRejected: false});
        // The card has its new keys (generated while the terms were read), and nothing else changes here.
        const prepared = cardContent(world);
        expect(prepared).not.toEqual(untouched);
        engine.submitPin(encode('111111'));
        const rejected = await stateWhere(
          engine,
          isPrompt((request) => request.wasRejected),
        );
        expect(rejected.request).toMatchObject({reason: 'signature', triesLeft: 2, rejection: 'wrong-code'});
        expect(triesOnCard(world)).toMatchObject({81: 3, 82: 2});
        expect(cardContent(world), 'nothing on the card changed').toEqual(prepared);

        const started = new Promise<Extract<EngineState, {type: 'upgrading'}>>((resolve) => {
          const stop = engine.subscribe(() => {
            const state = engine.getState();
            if (state.type !== 'upgrading') return;
            stop();
            resolve(state);
          });
        });
        engine.submitPin(encode(world.pins.signature));
        // The estimate is this card's (CARD_TIMINGS): the RSA-2048 keys not generated while the terms were read
        // and its file system, not a PIV card's 25 s.
        const toGenerate = 4 - world.log.filter((entry) => entry.event === 'keyPrepared').length;
        const expectedRsaMs = toGenerate * (5200 + 40);
        const fileSystemMs = (toGenerate * 7 + 4 * (4 + 49) + 42 + 40) * 40;
        expect((await started).progress.estimatedRemainingMs).toBeGreaterThan(expectedRsaMs + fileSystemMs);
        const done = await stateWhere(engine, isType('done'));
        expect(done.installed.map((certificate) => certificate.slotName)).toEqual(['03', '04', '05', '06']);
        expect(triesOnCard(world)).toMatchObject({81: 3, 82: 3});
        await engine.dispose();
      }),
  );

  it.concurrent(
    'upgrades the card to the four new credentials in 03 to 06, the old ones deleted and revoked',
    () =>
      inEidWorld(async (world) => {
        const oldSerials = await withCard(world, async (card) =>
          (await card.readCertificates()).map(({certificate}) => parseCertificate(certificate).serialNumber),
        );
        expect(oldSerials).toHaveLength(2);
        const engine = world.engine();
        const steps: number[] = [engine.getState().step];
        const prompts: string[] = [];
        const final = await autopilot(engine, {
          pin: world.pins.authentication,
          signaturePin: world.pins.signature,
          operation: 'upgrade',
          onState: (state) => {
            if (steps.at(-1) !== state.step) steps.push(state.step);
            if (state.type === 'awaiting-pin') prompts.push(state.request.reason);
            if (state.type === 'awaiting-terms') prompts.push('terms');
          },
        });
        await engine.dispose();
        expect(final).toMatchObject({type: 'done', card: {isUpgraded: true, pinCount: 2}});
        expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect(prompts).toEqual(['login', 'terms', 'signature']);

        const {certificates} = await checkUpgradedEidCard(world);
        const installed = final.type === 'done' ? final.installed : [];
        // Each installed certificate is the one in its key file; the order of the two lists is not the point.
        const bySlot = (pairs: [number, string][]): [number, string][] => pairs.sort(([a], [b]) => a - b);
        expect(bySlot(installed.map((certificate) => [certificate.slot, certificate.serial]))).toEqual(
          bySlot([...certificates].map(([slot, der]) => [slot, parseCertificate(der).serialNumber])),
        );

        const afterwards = await listed(world);
        expect(afterwards.filter((c) => c.origin === 'previous').map((c) => [c.serial, c.status])).toEqual(
          expect.arrayContaining(oldSerials.map((serial) => [serial, 'revoked'])),
        );
        const valid = afterwards.filter((c) => c.origin === 'service' && c.status === 'valid');
        expect(valid.map((c) => c.serial).sort()).toEqual(installed.map((c) => c.serial).sort());

        const oldCa = world.settings.authorities.find((a) => a.id === 'old')!.certificate;
        const call = httpsClient(world.service.url, world.service.caCertificate);
        const crl = verifyCrl(new Uint8Array((await call('GET', '/v1/crl/old.crl')).raw), oldCa);
        expect(crl.revoked.map((entry) => entry.serialNumber).sort()).toEqual([...oldSerials].sort());
        const db = new Database(join(world.dir, 'service.sqlite'), {readonly: true});
        try {
          expect(db.prepare('SELECT card_profile FROM completions').all()).toEqual([
            {card_profile: 'siths-eid'},
          ]);
        } finally {
          db.close();
        }
        const log = JSON.stringify(world.log);
        for (const code of Object.values(world.pins)) expect(log).not.toContain(code);
      }),
  );

  it.concurrent('changes the Underskrift PIN through the engine, and the Legitimering PIN stays', () =>
    inEidWorld(async (world) => {
      const next = '975310';
      const choices: unknown[] = [];
      const final = await autopilot(world.engine(), {
        pin: world.pins.authentication,
        pinChoice: 'signature',
        operation: 'change-pin',
        onState: (state) => {
          if (state.type === 'choosing-pin') choices.push(...state.choices);
        },
        answerPin: ({request}) => {
          expect(request.role).toBe('signature');
          return request.reason === 'current-pin' ? world.pins.signature : next;
        },
      });
      expect(choices).toEqual([
        {role: 'authentication', triesLeft: 3},
        {role: 'signature', triesLeft: 3},
      ]);
      expect(final).toMatchObject({
        type: 'operation-result',
        result: {type: 'pin-changed', role: 'signature'},
      });
      await withCard(world, async (card) => {
        await expect(card.verifyPin(encode(next), 'signature')).resolves.toBeUndefined();
        await expect(
          card.verifyPin(encode(world.pins.authentication), 'authentication'),
        ).resolves.toBeUndefined();
        await expect(card.verifyPin(encode(world.pins.signature), 'signature')).rejects.toMatchObject({
          constructor: InvalidPinError,
          triesLeft: 2,
        });
      });
    }),
  );

  it.concurrent(
    'unblocks a blocked Underskrift PIN with the PUK, and the Legitimering PIN is untouched',
    () =>
      inEidWorld(async (world) => {
        await withCard(world, async (card) => {
          for (let attempt = 0; attempt < 3; attempt++)
            await card.verifyPin(encode('000000'), 'signature').catch(() => undefined);
        });
        expect(triesOnCard(world)).toMatchObject({81: 3, 82: 0});

        const blocked = await autopilot(world.engine(), {
          pin: world.pins.authentication,
          signaturePin: world.pins.signature,
          operation: 'test-eid',
        });
        expect(blocked).toMatchObject({
          type: 'failed',
          error: {code: 'pin-blocked', role: 'signature'},
          wayForward: 'unblock-with-puk',
        });

        const next = '246813';
        const choices: unknown[] = [];
        const final = await autopilot(world.engine(), {
          pin: world.pins.authentication,
          pinChoice: 'signature',
          operation: 'unblock-pin',
          onState: (state) => {
            if (state.type === 'choosing-pin') choices.push(...state.choices);
          },
          answerPin: ({request}) => (request.reason === 'puk' ? world.pins.puk : next),
        });
        expect(choices).toContainEqual({role: 'signature', triesLeft: 0});
        expect(final).toMatchObject({
          type: 'operation-result',
          result: {type: 'pin-unblocked', role: 'signature'},
        });
        expect(triesOnCard(world)).toMatchObject({81: 3, 82: 3});
        await withCard(world, async (card) => {
          await expect(card.verifyPin(encode(next), 'signature')).resolves.toBeUndefined();
          await expect(
            card.verifyPin(encode(world.pins.authentication), 'authentication'),
          ).resolves.toBeUndefined();
        });

        const tested = await autopilot(world.engine(), {
          pin: world.pins.authentication,
          signaturePin: next,
          operation: 'test-eid',
        });
        expect(tested).toMatchObject({type: 'operation-result', result: {type: 'e-id-tested'}});
      }),
  );

  it.concurrent('tests the e-id with both keys, the signature key after the Underskrift PIN', () =>
    inEidWorld(async (world) => {
      const run = async () => {
        const prompts: string[] = [];
        const result = await autopilot(world.engine(), {
          pin: world.pins.authentication,
          signaturePin: world.pins.signature,
          operation: 'test-eid',
          onState: (state) => {
            if (state.type === 'awaiting-pin') prompts.push(state.request.reason);
          },
        });
        return {result, prompts};
      };
      const before = await run();
      expect(before.prompts).toEqual(['login', 'signature']);
      expect(before.result).toMatchObject({
        type: 'operation-result',
        result: {
          type: 'e-id-tested',
          isTrusted: false,
          certificate: {slotName: '01', purpose: 'authentication', isNew: false},
          signature: {isTrusted: false, certificate: {slotName: '02', purpose: 'signature', isNew: false}},
        },
      });

      const upgraded = await autopilot(world.engine(), {
        pin: world.pins.authentication,
        signaturePin: world.pins.signature,
        operation: 'upgrade',
      });
      expect(upgraded).toMatchObject({type: 'done'});
      const after = await run();
      expect(after.result).toMatchObject({
        type: 'operation-result',
        result: {
          type: 'e-id-tested',
          isTrusted: true,
          certificate: {slotName: expect.stringMatching(/^0[35]$/), purpose: 'authentication', isNew: true},
          signature: {
            isTrusted: true,
            certificate: {slotName: expect.stringMatching(/^0[46]$/), purpose: 'signature', isNew: true},
          },
        },
      });

      // Both new signature keys sign, each after its own VERIFY of the Underskrift PIN (userConsent).
      const {certificates} = await checkUpgradedEidCard(world);
      await withCard(world, async (card) => {
        let asked = 0;
        const pins = (role: 'authentication' | 'signature') => {
          if (role === 'signature') asked++;
          return encode(role === 'signature' ? world.pins.signature : world.pins.authentication);
        };
        for (const [slot, der] of certificates) {
          const {subjectPublicKeyInfo} = parseCertificate(der);
          const signer = card.signer(slot, subjectPublicKeyInfo, pins);
          const message = encode(`signed by ${slot}`);
          expect(
            verifiesWith(subjectPublicKeyInfo, signer.algorithm, message, await signer.sign(message)),
          ).toBe(true);
        }
        expect(asked).toBe(2);
      });
    }),
  );
});
