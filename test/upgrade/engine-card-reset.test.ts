import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {InProcessTransport} from '../../source/apdu/transports/in-process.js';
import type {Transport} from '../../source/apdu/transports/transport.js';
import {INS_GENERATE_KEY_PAIR} from '../../source/card/iso7816.js';
import {PivSession} from '../../source/card/piv/session.js';
import {MAX_RESET_RECOVERIES, type UpgradeEngine} from '../../source/upgrade/engine.js';
import type {EngineState} from '../../source/upgrade/state.js';
import {autopilot} from './support/autopilot.js';
import {resettingTransports, type ResetKind} from './support/card-reset.js';
import {checkUpgradedEidCard} from './support/eid-layout.js';
import {isType, stateWhere} from './support/engine-state.js';
import {createWorld, PIN, READER, type EidWorld, type World} from './support/world.js';

/** Where another program resets the card: the first state of the upgrade that matches. */
type Point = (state: EngineState) => boolean;

const atActivity =
  (activity: string): Point =>
  (state) =>
    state.type === 'upgrading' && state.progress.activity === activity;

const POINTS: readonly (readonly [string, Point])[] = [
  ['on the card overview', (state) => state.type === 'card-ready'],
  ['while logging in, after the PIN was verified', (state) => state.type === 'logging-in'],
  ['after login, before the plan', (state) => state.type === 'working'],
  ['on the terms, while the card is prepared', (state) => state.type === 'awaiting-terms'],
  ['while the card is unlocked (step 6)', atActivity('authenticating-card')],
  ['while the card is read (step 6)', atActivity('reading-card')],
  ['while a key is generated (step 7)', atActivity('generating-key')],
  ['while a request is signed (step 7)', atActivity('signing-request')],
  ['while a certificate is written (step 8)', atActivity('writing-certificate')],
  ['while a test signature is made (step 8)', atActivity('testing-signature')],
  ['while completing (step 9)', atActivity('completing')],
];

/** What one upgrade with a reset showed: its end, every state, where the reset was. */
interface ResetRun {
  readonly final: EngineState;
  readonly states: readonly EngineState[];
  /** Index in `states` of the state at which the card was reset. */
  readonly resetAt: number | undefined;
  readonly resets: number;
}

/** Runs an upgrade in which another program resets the card once, at `point`. */
async function upgradeWithReset(
  world: World | EidWorld,
  resetting: ReturnType<typeof resettingTransports>,
  point: Point,
  kind: ResetKind,
  pins: {readonly pin: string; readonly signaturePin?: string},
): Promise<ResetRun> {
  const engine = world.engine();
  const states: EngineState[] = [];
  let resetAt: number | undefined;
  try {
    const final = await autopilot(engine, {
      ...pins,
      operation: 'upgrade',
      onState: (state) => {
        states.push(state);
        if (resetAt !== undefined || !point(state)) return;
        resetAt = states.length - 1;
        resetting.current().resetBeforeNextCommand(kind);
      },
    });
    return {final, states, resetAt, resets: resetting.current().resets};
  } finally {
    await engine.dispose();
  }
}

/** The PIN prompts (by reason) among `states`: each new request. */
function pinPrompts(states: readonly EngineState[]): string[] {
  return states.flatMap((state, index) => {
    if (state.type !== 'awaiting-pin') return [];
    const previous = states[index - 1];
    return previous?.type === 'awaiting-pin' && previous.request.reason === state.request.reason
      ? []
      : [state.request.reason];
  });
}

/**
 * Checks the run recovered: done, the reset seen and warned of, every PIN asked before it asked again after it,
 * and the progress shown after the last PIN prompt.
 * `isNoticed` false: an unreported reset that the work may not notice (the two-PIN card's applet is selected by
 * default, and a key that needs its PIN before each use verifies it anyway): only done is checked.
 */
function expectRecovered(run: ResetRun, isNoticed = true): void {
  expect(run.resetAt, 'the reset point was reached').toBeDefined();
  expect(run.resets, 'the card was reset').toBe(1);
  expect(run.final).toMatchObject({type: 'done'});
  if (!isNoticed) return;
  const after = run.states.slice(run.resetAt);
  expect(
    after.some((state) => state.warnings.some((warning) => warning.code === 'card-reset')),
    'the reset was shown as a warning',
  ).toBe(true);
  const lastPrompt = run.states.findLastIndex((state) => state.type === 'awaiting-pin');
  expect(
    run.states.slice(lastPrompt).some((state) => state.type === 'upgrading'),
    'the progress screen comes back after the last PIN prompt (the upgrade never goes on behind it)',
  ).toBe(true);
  const askedAfter = pinPrompts(after);
  for (const reason of pinPrompts(run.states.slice(0, run.resetAt)))
    expect(askedAfter, `the ${reason} PIN verified before the reset is asked again`).toContain(reason);
}

/** Service certificates by plan item: how many were issued and how many are valid. */
function serviceCertificates(world: World | EidWorld): {readonly item: string; readonly valid: number}[] {
  const db = new Database(join(world.dir, 'service.sqlite'), {readonly: true});
  try {
    return db
      .prepare(
        "SELECT item_id AS item, SUM(revoked_at IS NULL) AS valid FROM certificates WHERE origin = 'service' GROUP BY item_id ORDER BY item_id",
      )
      .all() as {item: string; valid: number}[];
  } finally {
    db.close();
  }
}

/** A PIV card upgraded: the four slots hold certificates, the service one valid certificate per item. */
async function expectPivUpgraded(world: World): Promise<void> {
  const session = await PivSession.open(new InProcessTransport(world.card));
  try {
    const slots = (await session.readCertificates({isExhaustive: true})).map((c) => c.slot).sort();
    expect(slots).toEqual([0x82, 0x83, 0x9a, 0x9c]);
  } finally {
    await session.close();
  }
  const certificates = serviceCertificates(world);
  expect(certificates).toHaveLength(4);
  expect(certificates.every(({valid}) => valid === 1)).toBe(true);
}

describe.each<ResetKind>(['reported', 'silent'])(
  'a PIV card another program resets (%s) during the upgrade',
  (kind) => {
    it.each(POINTS)(
      'recovers when it is reset %s, and the upgrade completes',
      async (_name, point) => {
        const resetting = resettingTransports();
        const world = await createWorld({wrapTransport: resetting.wrapTransport});
        try {
          const run = await upgradeWithReset(world, resetting, point, kind, {pin: PIN});
          expectRecovered(run);
          await expectPivUpgraded(world);
        } finally {
          await world.close();
        }
      },
      30_000,
    );
  },
);

describe('a two-PIN SITHS card another program resets during the upgrade', () => {
  const eidPoints = POINTS.filter(([name]) =>
    [
      'on the card overview',
      'while logging in, after the PIN was verified',
      'while a key is generated (step 7)',
      'while a certificate is written (step 8)',
      'while completing (step 9)',
    ].includes(name),
  );
  const cases = eidPoints.flatMap(([name, point]) =>
    (['reported', 'silent'] as const).map((kind) => [`${name} (${kind})`, point, kind] as const),
  );

  it.each(cases)(
    'recovers when it is reset %s, asks again for every PIN the card forgot, and the upgrade completes',
    async (_name, point, kind) => {
      const resetting = resettingTransports();
      const world = await createWorld({card: 'siths-eid', wrapTransport: resetting.wrapTransport});
      try {
        const run = await upgradeWithReset(world, resetting, point, kind, {
          pin: world.pins.authentication,
          signaturePin: world.pins.signature,
        });
        const isNoticed =
          kind === 'reported' ||
          run.states.slice(run.resetAt).some((state) => state.warnings.some((w) => w.code === 'card-reset'));
        expectRecovered(run, isNoticed);
        await checkUpgradedEidCard(world);
        const certificates = serviceCertificates(world);
        expect(certificates).toHaveLength(4);
        expect(certificates.every(({valid}) => valid === 1)).toBe(true);
      } finally {
        await world.close();
      }
    },
    60_000,
  );
});

describe('a card reset again and again', () => {
  it.each([
    ['reported', {code: 'card-reset', wayForward: 'close-other-program'}],
    // Unreported, a reset looks like a card without the command: after the recoveries its own answer is shown.
    ['silent', {code: 'card-error', wayForward: 'retry'}],
  ] as const)(
    'fails after the bounded recoveries when %s resets go on (%o), and retry completes once they stop',
    async (kind, expected) => {
      const resetting = resettingTransports();
      const world = await createWorld({wrapTransport: resetting.wrapTransport});
      const engine: UpgradeEngine = world.engine();
      try {
        let isArmed = false;
        const failed = await autopilot(engine, {
          pin: PIN,
          operation: 'upgrade',
          onState: (state) => {
            if (isArmed || state.type !== 'upgrading') return;
            isArmed = true;
            resetting.current().resetBeforeEveryCommand(kind);
          },
        });
        expect(failed).toMatchObject({
          type: 'failed',
          error: {code: expected.code},
          wayForward: expected.wayForward,
          canRetry: true,
        });
        // Each recovery meets the next reset at once (reading the card again, or the step run again).
        expect(resetting.current().resets).toBeGreaterThan(MAX_RESET_RECOVERIES);
        expect(resetting.current().resets).toBeLessThanOrEqual(2 * (MAX_RESET_RECOVERIES + 1));
        resetting.current().resetBeforeEveryCommand(undefined);
        engine.retry();
        await stateWhere(engine, (state): state is EngineState => state.type !== 'failed');
        const final = await autopilot(engine, {pin: PIN, operation: 'upgrade'});
        expect(final).toMatchObject({type: 'done'});
        await expectPivUpgraded(world);
      } finally {
        await engine.dispose();
        await world.close();
      }
    },
    30_000,
  );
});

describe('the card overview after another program reset the card', () => {
  it.each<ResetKind>(['reported', 'silent'])('logs in after a %s reset', async (kind) => {
    const resetting = resettingTransports();
    const world = await createWorld({wrapTransport: resetting.wrapTransport});
    const engine = world.engine();
    try {
      engine.start();
      await stateWhere(engine, isType('card-ready'));
      resetting.current().resetBeforeNextCommand(kind);
      engine.logIn();
      await stateWhere(engine, isType('awaiting-pin'));
      engine.submitPin(new TextEncoder().encode(PIN));
      const menu = await stateWhere(engine, isType('menu'));
      expect(menu.identity.hsaId).toBe('SE2321000016-1001');
      expect(resetting.current().resets).toBe(1);
      expect(menu.warnings).not.toContainEqual({code: 'card-error'});
    } finally {
      await engine.dispose();
      await world.close();
    }
  });
});

/** Passes every APDU on; the first GENERATE KEY PAIR tears the card after its effect (the tool dies with it). */
function tearingAtGenerate(world: () => EidWorld, onTorn: () => void): (transport: Transport) => Transport {
  let hasTorn = false;
  return (transport) => ({
    get readerName() {
      return transport.readerName;
    },
    get atr() {
      return transport.atr;
    },
    transmit: (apdu) => {
      if (!hasTorn && apdu[1] === INS_GENERATE_KEY_PAIR) {
        hasTorn = true;
        world().card.faults.tearAt(1, 'after-effect');
        onTorn();
      }
      return transport.transmit(apdu);
    },
    exclusive: (work) => transport.exclusive(work),
    reconnect: () => transport.reconnect(),
    close: (options) => transport.close(options),
  });
}

describe('the next run after the tool was killed during key generation', () => {
  it('resumes a PIV upgrade from a slot holding a new key and no certificate', async () => {
    const world = await createWorld();
    try {
      const first = world.engine();
      let disposing: Promise<void> | undefined;
      await new Promise<void>((resolve) => {
        let hasFired = false;
        void autopilot(first, {
          pin: PIN,
          operation: 'upgrade',
          onState: (state) => {
            if (hasFired || !atActivity('generating-key')(state)) return;
            hasFired = true;
            world.card.faults.tearAt(1, 'after-effect');
            disposing = first.dispose().catch(() => undefined);
            resolve();
          },
        });
      });
      await disposing;
      world.card.faults.clear();
      // What the kill left: a key in 82 that no certificate belongs to.
      const look = await PivSession.open(new InProcessTransport(world.card));
      try {
        expect(await look.readPublicKey(0x82)).toBeDefined();
        expect(await look.readCertificate(0x82)).toBeUndefined();
      } finally {
        await look.close();
      }
      world.readers.remove(READER);
      world.readers.insert(READER, world.card);
      const second = world.engine();
      const final = await autopilot(second, {pin: PIN, operation: 'upgrade'});
      await second.dispose();
      expect(final).toMatchObject({type: 'done'});
      await expectPivUpgraded(world);
    } finally {
      await world.close();
    }
  }, 30_000);

  it('resumes a two-PIN card upgrade from a key file generated with no certificate', async () => {
    let killFirst: (() => void) | undefined;
    const torn = new Promise<void>((resolve) => (killFirst = resolve));
    const world: EidWorld = await createWorld({
      card: 'siths-eid',
      wrapTransport: tearingAtGenerate(
        () => world,
        () => killFirst?.(),
      ),
    });
    try {
      const first = world.engine();
      void autopilot(first, {
        pin: world.pins.authentication,
        signaturePin: world.pins.signature,
        operation: 'upgrade',
      });
      await torn;
      await first.dispose().catch(() => undefined);
      world.card.faults.clear();
      world.readers.remove(READER);
      world.readers.insert(READER, world.card);
      const second = world.engine();
      const final = await autopilot(second, {
        pin: world.pins.authentication,
        signaturePin: world.pins.signature,
        operation: 'upgrade',
      });
      await second.dispose();
      expect(final).toMatchObject({type: 'done'});
      await checkUpgradedEidCard(world);
      const certificates = serviceCertificates(world);
      expect(certificates).toHaveLength(4);
      expect(certificates.every(({valid}) => valid === 1)).toBe(true);
    } finally {
      await world.close();
    }
  }, 60_000);
});
