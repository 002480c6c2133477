import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it, vi} from 'vitest';
import {InProcessTransport} from '../../source/apdu/transports/in-process.js';
import type {Transport} from '../../source/apdu/transports/transport.js';
import {InvalidPukError} from '../../source/card/errors.js';
import {LocalManagementKey} from '../../source/card/piv/management-key.js';
import {PivSession} from '../../source/card/piv/session.js';
import {parseCertificate, verifyChain} from '../../source/pki/certificate.js';
import {PivCard} from '../../source/upgrade/adapters/piv-card.js';
import {verifiesWith} from '../../source/upgrade/key-proof.js';
import type {ServicePort} from '../../source/upgrade/ports.js';
import type {EngineState} from '../../source/upgrade/state.js';
import {autopilot} from './support/autopilot.js';
import {isType, stateWhere} from './support/engine-state.js';
import {createWorld, HOLDER, PIN, READER, type World} from './support/world.js';

const encode = (text: string) => new TextEncoder().encode(text);

/** Runs `test` with a world of its own, closed afterwards. */
async function inWorld<T>(test: (world: World) => Promise<T>, options?: Parameters<typeof createWorld>[0]) {
  const world = await createWorld(options);
  try {
    return await test(world);
  } finally {
    await world.close();
  }
}

/** A session with the card outside the engine, as a second tool would have it. */
async function withCard<T>(
  world: World,
  work: (session: PivSession, card: PivCard) => Promise<T>,
): Promise<T> {
  const session = await PivSession.open(new InProcessTransport(world.card));
  try {
    return await work(session, new PivCard(session));
  } finally {
    await session.close();
  }
}

describe('UpgradeEngine over the virtual card and the reference service', () => {
  it.concurrent('upgrades an old-siths card to the four new certificates in 9A, 9C, 82 and 83', () =>
    inWorld(async (world) => {
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
      expect(final.type === 'done' && final.installed.map((c) => c.slotName).sort()).toEqual([
        '82',
        '83',
        '9A',
        '9C',
      ]);
      expect(final.card?.isUpgraded).toBe(true);
      await engine.dispose();

      await withCard(world, async (session, card) => {
        const certificates = await session.readCertificates({isExhaustive: true});
        expect(certificates.map((c) => c.slot).sort()).toEqual([0x82, 0x83, 0x9a, 0x9c]);
        await session.verifyPin(PIN);
        for (const {slot, certificate} of certificates) {
          const details = parseCertificate(certificate);
          verifyChain(certificate, world.trust.intermediates, world.trust.anchors, {date: new Date()});
          expect(details.hsaId ?? details.personnummer).toBe(
            slot >= 0x9a ? HOLDER.hsaId : HOLDER.personnummer,
          );
          const signer = card.signer(slot, details.subjectPublicKeyInfo, () => encode(PIN));
          const message = encode(`signed by ${slot}`);
          expect(
            verifiesWith(details.subjectPublicKeyInfo, signer.algorithm, message, await signer.sign(message)),
          ).toBe(true);
        }
        expect((await session.keyHistory())?.onCardCertificates).toBe(2);
      });

      const listing = await autopilot(world.engine(), {pin: PIN, operation: 'list-certificates'});
      const listed =
        listing.type === 'operation-result' && listing.result.type === 'certificates-listed'
          ? listing.result.certificates
          : [];
      expect(listed.filter((c) => c.origin === 'previous').map((c) => c.status)).toEqual([
        'revoked',
        'revoked',
      ]);
      expect(listed.filter((c) => c.origin === 'service' && c.status === 'valid')).toHaveLength(4);
      expect(JSON.stringify(world.log)).not.toContain(PIN);
    }),
  );

  it.concurrent('upgrades an RSA-2048 plan, showing RSA key generation as indeterminate', () =>
    inWorld(
      async (world) => {
        const engine = world.engine();
        const progress: {isIndeterminate: boolean; activity: string; fraction: number; left: number}[] = [];
        const final = await autopilot(engine, {
          pin: PIN,
          operation: 'upgrade',
          onState: (state) => {
            if (state.type === 'upgrading') {
              const {isIndeterminate, activity, fraction, estimatedRemainingMs} = state.progress;
              progress.push({isIndeterminate, activity, fraction, left: estimatedRemainingMs});
            }
          },
        });
        await engine.dispose();
        expect(final).toMatchObject({type: 'done'});
        expect(progress.filter((p) => p.isIndeterminate).every((p) => p.activity === 'generating-key')).toBe(
          true,
        );
        expect(progress.some((p) => p.isIndeterminate)).toBe(true);
        // Before anything was measured, four RSA keys on a JCOP4-like card are expected to take about 25 s.
        expect(progress.find((p) => p.activity === 'authenticating-card')!.left).toBeGreaterThan(20_000);
        const fractions = progress.map((p) => p.fraction);
        expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
        await withCard(world, async (session) => {
          for (const {certificate} of await session.readCertificates()) {
            expect(parseCertificate(certificate).keyAlgorithm).toEqual({type: 'rsa', bits: 2048});
          }
        });
      },
      {keyAlgorithm: 'rsa-2048'},
    ),
  );

  it.concurrent('never holds the card across a PIN prompt or a call to the service', () => {
    let holds = 0;
    const tracking = (transport: Transport): Transport => ({
      get readerName() {
        return transport.readerName;
      },
      get atr() {
        return transport.atr;
      },
      transmit: (apdu) => transport.transmit(apdu),
      exclusive: async (work) => {
        holds++;
        try {
          return await transport.exclusive(work);
        } finally {
          holds--;
        }
      },
      reconnect: () => transport.reconnect(),
      close: () => transport.close(),
    });
    const calls: string[] = [];
    /** Wraps every function reachable from `value` so that each call first checks that the card is not held. */
    const guarded = <T>(value: T, path: string): T => {
      if (typeof value === 'function') {
        return ((...args: unknown[]) => {
          calls.push(path);
          expect(holds, `${path} called while the card is held`).toBe(0);
          const result = (value as (...a: unknown[]) => unknown)(...args);
          return result instanceof Promise ? result.then((r) => guarded(r, path)) : guarded(result, path);
        }) as T;
      }
      if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date)
        return value;
      if (Array.isArray(value)) return value as T;
      return Object.fromEntries(
        Object.entries(value).map(([key, v]) => [key, guarded(v, `${path}.${key}`)]),
      ) as T;
    };
    return inWorld(
      async (world) => {
        const client = world.client() as unknown as Record<string, unknown>;
        const service = guarded(
          {beginLogin: (client.beginLogin as (...args: unknown[]) => unknown).bind(client)},
          'service',
        ) as ServicePort;
        const engine = world.engine({service});
        const final = await autopilot(engine, {
          pin: PIN,
          operation: 'upgrade',
          onState: (state) => {
            // The terms are read while the card generates keys, one hold each (key-preparation.ts).
            if (state.type === 'awaiting-pin') expect(holds).toBe(0);
          },
          // The terms are accepted once the card is prepared.
          waitAt: (state) =>
            state.type === 'awaiting-terms' && state.preparation?.done !== 2
              ? stateWhere(
                  engine,
                  (next): next is EngineState =>
                    next.type === 'awaiting-terms' && next.preparation?.done === 2,
                ).then(() => undefined)
              : undefined,
        });
        await engine.dispose();
        expect(final).toMatchObject({type: 'done'});
        expect(calls).toEqual(expect.arrayContaining(['service.beginLogin', 'service.beginLogin.finish']));
        expect(calls.filter((call) => call.endsWith('.issue'))).toHaveLength(4);
        // The management key: once to generate keys while the terms are read, once for the download.
        expect(calls.filter((call) => call.endsWith('.respond'))).toHaveLength(2);
      },
      {wrapTransport: tracking},
    );
  });

  it.concurrent('generates the next key while the service answers the previous request', () =>
    inWorld(async (world) => {
      const engine = world.engine();
      await autopilot(engine, {pin: PIN, operation: 'upgrade'});
      await engine.dispose();
      const order = world.log
        .filter((entry) => entry.event === 'requestSent' || entry.event === 'certificateVerified')
        .map((entry) => `${entry.event}:${entry.slot}`);
      // The 83 request leaves before the 82 certificate is installed: the card did not wait for the service.
      expect(order.indexOf('requestSent:83')).toBeLessThan(order.indexOf('certificateVerified:82'));
      // The in-place keys come only after their replacements are installed and verified.
      expect(order.indexOf('certificateVerified:82')).toBeLessThan(order.indexOf('requestSent:9A'));
      expect(order.indexOf('certificateVerified:83')).toBeLessThan(order.indexOf('requestSent:9C'));
    }),
  );

  it.concurrent('shows on the card overview the tries the card has now, after wrong PINs and Esc', () =>
    inWorld(async (world) => {
      const engine = world.engine();
      engine.start();
      await stateWhere(engine, isType('card-ready'));
      engine.logIn();
      await stateWhere(engine, isType('awaiting-pin'));
      for (const left of [2, 1]) {
        engine.submitPin(encode('111111'));
        await stateWhere(
          engine,
          (s): s is EngineState => s.type === 'awaiting-pin' && s.request.triesLeft === left,
        );
      }
      engine.cancel();
      const overview = await stateWhere(engine, isType('card-ready'));
      expect(overview.card.pinTriesLeft).toBe(1);

      engine.logIn();
      await stateWhere(engine, isType('awaiting-pin'));
      engine.confirmLastTry();
      engine.submitPin(encode(PIN));
      await stateWhere(engine, isType('menu'));
      expect(engine.getState().card?.pinTriesLeft).toBe(3);
      await engine.dispose();
    }),
  );

  it.concurrent(
    'shows the tries left after a wrong PIN, asks to confirm the last try, and explains a blocked PIN',
    () =>
      inWorld(async (world) => {
        const engine = world.engine();
        engine.start();
        await stateWhere(engine, isType('card-ready'));
        engine.logIn();
        const first = await stateWhere(engine, isType('awaiting-pin'));
        expect(first.request).toMatchObject({
          reason: 'login',
          triesLeft: 3,
          isLastTry: false,
          wasRejected: false,
        });
        expect(first.pinCount).toBe(1);

        engine.submitPin(encode('111111'));
        await stateWhere(
          engine,
          (s): s is EngineState => s.type === 'awaiting-pin' && s.request.triesLeft === 2,
        );
        expect(engine.getState()).toMatchObject({request: {wasRejected: true, rejection: 'wrong-code'}});

        engine.submitPin(encode('12'));
        await stateWhere(
          engine,
          (s): s is EngineState => s.type === 'awaiting-pin' && s.request.rejection === 'bad-format',
        );
        expect(engine.getState()).toMatchObject({request: {triesLeft: 2}});

        engine.submitPin(encode('222222'));
        const last = await stateWhere(
          engine,
          (s): s is Extract<EngineState, {type: 'awaiting-pin'}> =>
            s.type === 'awaiting-pin' && s.request.triesLeft === 1,
        );
        expect(last.request.isLastTry).toBe(true);
        engine.submitPin(encode('333333'));
        await stateWhere(engine, (s): s is EngineState =>
          s.warnings.some((w) => w.code === 'last-try-not-confirmed'),
        );
        expect(engine.getState()).toMatchObject({type: 'awaiting-pin', request: {triesLeft: 1}});

        engine.confirmLastTry();
        engine.submitPin(encode('333333'));
        const failed = await stateWhere(engine, isType('failed'));
        expect(failed).toMatchObject({
          error: {code: 'pin-blocked'},
          wayForward: 'unblock-with-puk',
          canRetry: false,
        });

        engine.chooseOperation('unblock-pin');
        await stateWhere(
          engine,
          (s): s is EngineState => s.type === 'awaiting-pin' && s.request.reason === 'puk',
        );
        engine.submitPin(encode('12345678'));
        await stateWhere(
          engine,
          (s): s is EngineState => s.type === 'awaiting-pin' && s.request.reason === 'new-pin',
        );
        engine.submitPin(encode('135790'));
        await stateWhere(
          engine,
          (s): s is EngineState => s.type === 'operation-result' && s.result.type === 'pin-unblocked',
        );
        await engine.dispose();

        const again = await autopilot(world.engine(), {pin: '135790', operation: 'list-certificates'});
        expect(again).toMatchObject({type: 'operation-result', result: {type: 'certificates-listed'}});
        expect(JSON.stringify(world.log)).not.toMatch(/111111|222222|333333|135790|12345678/);
      }),
  );

  it.concurrent('changes the PIN, asking again for the current one when it is wrong', () =>
    inWorld(async (world) => {
      const answers = ['999999', '864200', PIN, '864200'];
      const final = await autopilot(world.engine(), {
        pin: PIN,
        operation: 'change-pin',
        answerPin: () => answers.shift()!,
      });
      expect(final).toMatchObject({type: 'operation-result', result: {type: 'pin-changed'}});
      await withCard(world, async (session) => {
        await expect(session.verifyPin('864200')).resolves.toBeUndefined();
      });
    }),
  );

  it.concurrent('tests the e-id with a fresh challenge and tells whether the certificate is trusted', () =>
    inWorld(async (world) => {
      const before = await autopilot(world.engine(), {pin: PIN, operation: 'test-eid'});
      expect(before).toMatchObject({
        type: 'operation-result',
        result: {type: 'e-id-tested', isTrusted: false, certificate: {slotName: '9A', isNew: false}},
      });
      await autopilot(world.engine(), {pin: PIN, operation: 'upgrade'});
      const after = await autopilot(world.engine(), {pin: PIN, operation: 'test-eid'});
      expect(after).toMatchObject({
        type: 'operation-result',
        result: {type: 'e-id-tested', isTrusted: true, certificate: {slotName: '9A', isNew: true}},
      });
    }),
  );

  it.concurrent('reports the status of the card without the PIN', () =>
    inWorld(async (world) => {
      const engine = world.engine();
      const final = await autopilot(engine, {pin: 'never asked', operation: 'status'});
      expect(final).toMatchObject({
        type: 'operation-result',
        result: {
          type: 'status',
          card: {
            cardNumber: HOLDER.cardNumber,
            hsaId: HOLDER.hsaId,
            holder: 'Anna Andersson',
            pinTriesLeft: 3,
            isUpgraded: false,
          },
        },
      });
      await engine.dispose();
    }),
  );

  it.concurrent('re-fetches a certificate the card lost and revokes one the person chooses', () =>
    inWorld(async (world) => {
      await autopilot(world.engine(), {pin: PIN, operation: 'upgrade'});
      await withCard(world, async (session) => {
        await session.authenticate(new LocalManagementKey(world.managementKey));
        await session.deleteCertificate(0x83);
      });
      const refetched = await autopilot(world.engine(), {pin: PIN, operation: 'refetch'});
      expect(refetched).toMatchObject({type: 'operation-result', result: {type: 'certificates-refetched'}});
      const slots =
        refetched.type === 'operation-result' && refetched.result.type === 'certificates-refetched'
          ? refetched.result.certificates.map((c) => c.slotName)
          : [];
      expect(slots).toContain('83');
      await withCard(world, async (session) => {
        expect((await session.readCertificates()).map((c) => c.slot).sort()).toEqual([
          0x82, 0x83, 0x9a, 0x9c,
        ]);
      });

      const engine = world.engine();
      let chosen = '';
      const revoked = await autopilot(engine, {
        pin: PIN,
        operation: 'revoke',
        onState: (state) => {
          if (state.type === 'choosing-certificate') {
            const signature = state.certificates.find(
              (c) => c.identityKind === 'personnummer' && c.purpose === 'signature',
            )!;
            chosen = signature.serial;
            queueMicrotask(() => engine.chooseCertificate(chosen));
          }
        },
      });
      expect(revoked).toMatchObject({
        type: 'operation-result',
        result: {type: 'certificate-revoked', serial: chosen},
      });
      const listing = await autopilot(world.engine(), {pin: PIN, operation: 'list-certificates'});
      const listed =
        listing.type === 'operation-result' && listing.result.type === 'certificates-listed'
          ? listing.result.certificates
          : [];
      expect(listed.find((c) => c.serial === chosen)?.status).toBe('revoked');
    }),
  );

  it.concurrent(
    'waits for the card again when it is taken out at the menu, and reads it when it is back',
    () =>
      inWorld(async (world) => {
        const engine = world.engine();
        engine.start();
        await stateWhere(engine, isType('card-ready'));
        engine.logIn();
        await stateWhere(engine, isType('awaiting-pin'));
        engine.submitPin(encode(PIN));
        await stateWhere(engine, isType('menu'));
        world.readers.remove(READER);
        await stateWhere(engine, isType('waiting-for-card'));
        world.readers.insert(READER, world.card);
        const ready = await stateWhere(engine, isType('card-ready'));
        expect(ready.card.cardNumber).toBe(HOLDER.cardNumber);
        await engine.dispose();
      }),
  );

  it.concurrent('continues an upgrade by itself when the card is put back after being pulled out', () =>
    inWorld(async (world) => {
      const engine = world.engine();
      let hasPulled = false;
      engine.subscribe(() => {
        const state = engine.getState();
        if (!hasPulled && state.type === 'upgrading' && state.progress.activity === 'writing-certificate') {
          hasPulled = true;
          world.readers.remove(READER);
        }
      });
      const failed = await autopilot(engine, {pin: PIN, operation: 'upgrade'});
      expect(failed).toMatchObject({
        type: 'failed',
        error: {code: 'card-removed'},
        wayForward: 'reinsert-card',
        canRetry: true,
      });
      world.readers.insert(READER, world.card);
      await stateWhere(engine, (state): state is EngineState => state.type !== 'failed');
      expect(await autopilot(engine, {pin: PIN, operation: 'upgrade'})).toMatchObject({type: 'done'});
      await engine.dispose();
    }),
  );

  it.concurrent(
    'fails with key-not-attested when the service does not trust the card’s attestation, and keeps the old credential',
    () =>
      inWorld(
        async (world) => {
          const before = await withCard(world, (_session, card) => card.readCertificates());
          const engine = world.engine();
          const failed = await autopilot(engine, {pin: PIN, operation: 'upgrade'});
          expect(failed).toMatchObject({
            type: 'failed',
            error: {code: 'key-not-attested', reason: 'attestation-untrusted'},
            wayForward: 'contact-support',
          });
          await engine.dispose();
          const after = await withCard(world, (_session, card) => card.readCertificates());
          expect(after).toEqual(before);
        },
        {isAttestationTrusted: false},
      ),
  );

  it.concurrent('stops a cancelled upgrade at a safe point and finishes it when run again', () =>
    inWorld(async (world) => {
      const engine = world.engine();
      let hasCancelled = false;
      engine.subscribe(() => {
        const state = engine.getState();
        if (!hasCancelled && state.type === 'upgrading' && state.step === 7) {
          hasCancelled = true;
          engine.cancel();
        }
      });
      const cancelled = await autopilot(engine, {pin: PIN, operation: 'upgrade'});
      expect(cancelled).toMatchObject({type: 'failed', error: {code: 'cancelled'}, wayForward: 'run-again'});
      await engine.dispose();
      const done = await autopilot(world.engine(), {pin: PIN, operation: 'upgrade'});
      expect(done).toMatchObject({type: 'done'});
    }),
  );

  it.concurrent(
    'stops the upgrade with a clear error when its login certificate is revoked meanwhile, and nothing is issued',
    () =>
      inWorld(async (world) => {
        const engine = world.engine();
        engine.start();
        await stateWhere(engine, isType('card-ready'));
        engine.chooseOperation('upgrade');
        await stateWhere(engine, isType('awaiting-pin'));
        engine.submitPin(encode(PIN));
        await stateWhere(engine, isType('awaiting-terms'));
        const serial = world.log.find((entry) => entry.event === 'loggedIn' && entry.serial !== undefined)!
          .serial as string;

        // Meanwhile the person revokes that certificate (another run of the tool, the same card).
        const other = world.engine();
        const revoked = await autopilot(other, {
          pin: PIN,
          operation: 'revoke',
          onState: (state) => {
            if (state.type === 'choosing-certificate') queueMicrotask(() => other.chooseCertificate(serial));
          },
        });
        expect(revoked).toMatchObject({result: {type: 'certificate-revoked', serial}});
        await other.dispose();

        engine.acceptTerms();
        const failed = await stateWhere(engine, isType('failed'));
        expect(failed.error).toEqual({code: 'login-certificate-revoked'});
        expect(failed.wayForward).toBe('contact-issuer');
        await engine.dispose();
        const db = new Database(join(world.dir, 'service.sqlite'), {readonly: true});
        try {
          expect(db.prepare("SELECT serial FROM certificates WHERE origin = 'service'").all()).toEqual([]);
        } finally {
          db.close();
        }
      }),
  );

  it.concurrent(
    'warns of the last PUK try whenever the card has said one is left in this run, also after leaving the prompt',
    () =>
      inWorld(async (world) => {
        const engine = world.engine();
        const pukPrompt = () =>
          stateWhere(
            engine,
            (state): state is Extract<EngineState, {type: 'awaiting-pin'}> =>
              state.type === 'awaiting-pin' && state.request.reason === 'puk',
          );
        engine.start();
        await stateWhere(engine, isType('card-ready'));
        engine.chooseOperation('unblock-pin');
        let asked = await pukPrompt();
        expect(asked.request.triesLeft).toBe(3);
        for (const left of [2, 1]) {
          engine.submitPin(encode('87654321'));
          await stateWhere(
            engine,
            (state): state is EngineState =>
              state.type === 'awaiting-pin' && state.request.reason === 'new-pin',
          );
          engine.submitPin(encode('135790'));
          await vi.waitFor(() => expect(engine.getState()).toMatchObject({request: {triesLeft: left}}));
          asked = await pukPrompt();
        }
        expect(asked.request).toMatchObject({triesLeft: 1, isLastTry: true});

        // Esc, then the unblock again (or after the card was out): the card said one try is left.
        engine.cancel();
        await stateWhere(engine, isType('card-ready'));
        world.readers.remove(READER);
        await stateWhere(engine, isType('waiting-for-card'));
        world.readers.insert(READER, world.card);
        await stateWhere(engine, isType('card-ready'));
        engine.chooseOperation('unblock-pin');
        asked = await pukPrompt();
        expect(asked.request).toMatchObject({triesLeft: 1, isLastTry: true, isLastTryConfirmed: false});
        engine.submitPin(encode('87654321'));
        expect(engine.getState().warnings).toContainEqual({code: 'last-try-not-confirmed'});
        await engine.dispose();
      }),
  );

  it.concurrent('warns of the last PUK try at the first PUK prompt of a new run, as the card counts', () =>
    inWorld(async (world) => {
      // An earlier run (another program, or this tool before) used two of the PUK's three tries.
      const earlier = await PivSession.open(new InProcessTransport(world.card));
      for (let attempt = 0; attempt < 2; attempt++)
        await expect(earlier.unblockPin('87654321', '135790')).rejects.toBeInstanceOf(InvalidPukError);
      await earlier.close();
      const engine = world.engine();
      engine.start();
      await stateWhere(engine, isType('card-ready'));
      engine.chooseOperation('unblock-pin');
      const asked = await stateWhere(engine, isType('awaiting-pin'));
      expect(asked.request).toMatchObject({reason: 'puk', triesLeft: 1, isLastTry: true});
      await engine.dispose();
    }),
  );

  it.concurrent('asks which reader to use when several hold a card', () =>
    inWorld(async (world) => {
      world.readers.insert('Second Reader 01', world.card);
      const engine = world.engine();
      engine.start();
      const choosing = await stateWhere(
        engine,
        (state): state is Extract<EngineState, {type: 'waiting-for-card'}> =>
          state.type === 'waiting-for-card' && state.isChoosingReader,
      );
      expect(choosing.readers.map((r) => r.name).sort()).toEqual(['Second Reader 01', READER]);
      engine.chooseReader(READER);
      const ready = await stateWhere(engine, isType('card-ready'));
      expect(ready.readerName).toBe(READER);
      await engine.dispose();
    }),
  );
});
