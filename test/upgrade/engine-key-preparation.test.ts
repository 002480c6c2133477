import {describe, expect, it} from 'vitest';
import type {UpgradeEngine} from '../../source/upgrade/engine.js';
import type {EngineState} from '../../source/upgrade/state.js';
import {autopilot} from './support/autopilot.js';
import {stateWhere} from './support/engine-state.js';
import {createWorld, PIN, READER, type EidWorld, type World} from './support/world.js';

type TermsState = Extract<EngineState, {type: 'awaiting-terms'}>;

/** The terms on screen with the card's preparation finished. */
const isPrepared = (state: EngineState): state is TermsState =>
  state.type === 'awaiting-terms' &&
  state.preparation !== undefined &&
  state.preparation.total > 0 &&
  state.preparation.done === state.preparation.total;

/** The public keys the card holds, by slot (PIV) or key reference (the two-PIN card), as hex. */
function keysOf(world: World | EidWorld): Map<number, string> {
  const hex = (key: Uint8Array) => Buffer.from(key).toString('hex');
  if ('managementKey' in world)
    return new Map([...world.card.inspect().keys].map(([slot, key]) => [slot as number, hex(key.publicKey)]));
  return new Map(
    [...world.card.inspect().keys.values()].map((key) => [key.keyReference, hex(key.publicKey)]),
  );
}

/**
 * Drives `engine` through an upgrade as a person would, holding on the terms until `accept` is called; `prepared`
 * resolves once they are shown with the card's preparation finished.
 */
function upgradeHeldOnTerms(engine: UpgradeEngine, pins: {pin: string; signaturePin?: string}) {
  let isAccepted = false;
  let release!: () => void;
  const accepted = new Promise<void>((resolve) => (release = resolve));
  const accept = () => {
    isAccepted = true;
    release();
  };
  const final = autopilot(engine, {
    ...pins,
    operation: 'upgrade',
    waitAt: (state) => (state.type === 'awaiting-terms' && !isAccepted ? accepted : undefined),
  });
  return {prepared: stateWhere(engine, isPrepared), accept, final};
}

async function inWorld<W extends World | EidWorld>(
  world: W,
  test: (world: W) => Promise<void>,
): Promise<void> {
  try {
    await test(world);
  } finally {
    await world.close();
  }
}

describe('keys generated while the terms are read', () => {
  it.concurrent(
    'PIV: in the free slots 82 and 83 only; the download signs with them and generates 9A and 9C',
    async () =>
      inWorld(await createWorld(), async (world) => {
        const before = keysOf(world);
        const engine = world.engine();
        const run = upgradeHeldOnTerms(engine, {pin: PIN});
        const terms = await run.prepared;
        expect(terms.preparation).toEqual({done: 2, total: 2, isInterrupted: false});
        const prepared = keysOf(world);
        expect(prepared.get(0x82)).toBeDefined();
        expect(prepared.get(0x83)).toBeDefined();
        // The slots in use are untouched: their replacements work first (invariant 1).
        expect(prepared.get(0x9a)).toBe(before.get(0x9a));
        expect(prepared.get(0x9c)).toBe(before.get(0x9c));
        expect(world.log.filter((entry) => entry.event === 'requestSent')).toHaveLength(0);

        run.accept();
        const final = await run.final;
        await engine.dispose();
        expect(final).toMatchObject({type: 'done'});
        const after = keysOf(world);
        expect(after.get(0x82)).toBe(prepared.get(0x82));
        expect(after.get(0x83)).toBe(prepared.get(0x83));
        expect(after.get(0x9a)).not.toBe(before.get(0x9a));
        expect(after.get(0x9c)).not.toBe(before.get(0x9c));
        const surveyed = world.log.find((entry) => entry.event === 'upgradeSurveyed') as
          {items: {slot: string; isPrepared: boolean}[]} | undefined;
        expect(surveyed?.items.map(({slot, isPrepared}) => [slot, isPrepared])).toEqual([
          ['82', true],
          ['83', true],
          ['9A', false],
          ['9C', false],
        ]);
      }),
  );

  it.concurrent(
    'PIV: the terms declined, the keys generated for them are destroyed and nothing is issued',
    async () =>
      inWorld(await createWorld(), async (world) => {
        const before = keysOf(world);
        const engine = world.engine();
        await upgradeHeldOnTerms(engine, {pin: PIN}).prepared;
        const prepared = keysOf(world);
        engine.cancel();
        await stateWhere(engine, (state): state is EngineState => state.type !== 'awaiting-terms');
        await engine.settled();
        await engine.dispose();
        const after = keysOf(world);
        for (const slot of [0x82, 0x83]) expect(after.get(slot)).not.toBe(prepared.get(slot));
        expect(after.get(0x9a)).toBe(before.get(0x9a));
        expect(after.get(0x9c)).toBe(before.get(0x9c));
        expect(world.log.filter((entry) => entry.event === 'preparedKeyDestroyed')).toHaveLength(2);
        expect(world.log.filter((entry) => entry.event === 'requestSent')).toHaveLength(0);
      }),
  );

  it.concurrent(
    'two-PIN card: all four keys in the free key files 03 to 06, used by the download',
    async () =>
      inWorld(await createWorld({card: 'siths-eid'}), async (world) => {
        const before = keysOf(world);
        const engine = world.engine();
        const run = upgradeHeldOnTerms(engine, {
          pin: world.pins.authentication,
          signaturePin: world.pins.signature,
        });
        const terms = await run.prepared;
        expect(terms.preparation).toEqual({done: 4, total: 4, isInterrupted: false});
        const prepared = keysOf(world);
        for (const reference of [3, 4, 5, 6]) expect(prepared.get(reference)).toBeDefined();
        for (const [reference, key] of before) expect(prepared.get(reference)).toBe(key);

        run.accept();
        const final = await run.final;
        await engine.dispose();
        expect(final).toMatchObject({type: 'done'});
        const after = keysOf(world);
        for (const reference of [3, 4, 5, 6]) expect(after.get(reference)).toBe(prepared.get(reference));
      }),
  );

  it.concurrent(
    'closed on the terms (the program quits): the engine closes, the keys stay for the next run',
    async () =>
      inWorld(await createWorld(), async (world) => {
        const engine = world.engine();
        await upgradeHeldOnTerms(engine, {pin: PIN}).prepared;
        await engine.dispose();
        expect(world.log.filter((entry) => entry.event === 'preparedKeyDestroyed')).toHaveLength(0);
        expect(world.log.filter((entry) => entry.event === 'requestSent')).toHaveLength(0);
        expect(keysOf(world).get(0x82)).toBeDefined();
      }),
  );

  it.concurrent(
    'two-PIN card pulled out while it is prepared: put back, its free key files are prepared and it is upgraded',
    async () =>
      inWorld(await createWorld({card: 'siths-eid'}), async (world) => {
        const engine = world.engine();
        let hasPulled = false;
        engine.subscribe(() => {
          const state = engine.getState();
          if (!hasPulled && state.type === 'awaiting-terms' && state.preparation?.done === 1) {
            hasPulled = true;
            world.readers.remove(READER);
          }
        });
        const pins = {pin: world.pins.authentication, signaturePin: world.pins.signature};
        const failed = await upgradeHeldOnTerms(engine, pins).final;
        expect(failed).toMatchObject({
          type: 'failed',
          error: {code: 'card-removed'},
          wayForward: 'reinsert-card',
        });
        // The key generated before the card went could not be destroyed: it stays until the next run's own key.
        expect(world.log.filter((entry) => entry.event === 'preparedKeyLeft')).toHaveLength(1);

        world.readers.insert(READER, world.card);
        await stateWhere(engine, (state): state is EngineState => state.type !== 'failed');
        const again = upgradeHeldOnTerms(engine, pins);
        // 03 holds the key left behind: not free any more, the download replaces it; the other three are prepared.
        expect((await again.prepared).preparation).toEqual({done: 3, total: 3, isInterrupted: false});
        again.accept();
        expect(await again.final).toMatchObject({type: 'done'});
        await engine.dispose();
        expect(world.card.inspect().keys.size).toBe(4);
      }),
  );
});
