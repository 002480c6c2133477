import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import type {Transport} from '../../source/apdu/transports/transport.js';
import {
  INS_CREATE_FILE,
  INS_DELETE_FILE,
  INS_GENERATE_KEY_PAIR,
  INS_UPDATE_BINARY,
} from '../../source/card/iso7816.js';
import {parseCertificate} from '../../source/pki/certificate.js';
import type {UpgradeEngine} from '../../source/upgrade/engine.js';
import {autopilot} from './support/autopilot.js';
import {checkUpgradedEidCard, type EidLayoutShape} from './support/eid-layout.js';
import {createWorld, READER, type EidWorld} from './support/world.js';

/**
 * The tear matrix of the two-PIN SITHS card: the card is torn out at one APDU of the upgrade (from the start of
 * step 6 to done), put back, and the tool run again; the card must end as an untorn run leaves it and the service
 * must have issued one certificate per plan item. docs/architecture.md, invariant 3.
 *
 * Which APDUs: one untorn run is recorded first (its APDUs from the start of step 6). A tear leaves the card as the
 * last command that changed what the card keeps left it (the virtual card saves before it answers; a torn read or
 * signature changes nothing), so the distinct cards a tear can leave are the ones after each CREATE FILE, UPDATE
 * BINARY, DELETE FILE and GENERATE KEY PAIR, and each is torn after its effect (the card changed, the tool never
 * heard). Tearing at every one of them, inner pieces too, both before and after its effect (219 cases) passed when this
 * matrix was written; at about a second of RSA key generation per case that takes too long to run every time.
 */

const WRITES: ReadonlySet<number> = new Set([
  INS_CREATE_FILE,
  INS_UPDATE_BINARY,
  INS_DELETE_FILE,
  INS_GENERATE_KEY_PAIR,
]);

/** Passes every APDU to `onApdu`. */
function recording(transport: Transport, onApdu: (apdu: Uint8Array) => void): Transport {
  return {
    get readerName() {
      return transport.readerName;
    },
    get atr() {
      return transport.atr;
    },
    transmit: (apdu) => {
      onApdu(apdu.slice());
      return transport.transmit(apdu);
    },
    exclusive: (work) => transport.exclusive(work),
    reconnect: () => transport.reconnect(),
    close: () => transport.close(),
  };
}

const upgradeOf = (
  world: EidWorld,
  engine: UpgradeEngine,
  onState?: Parameters<typeof autopilot>[1]['onState'],
) =>
  autopilot(engine, {
    pin: world.pins.authentication,
    signaturePin: world.pins.signature,
    operation: 'upgrade',
    onState,
  });

/** One untorn upgrade: every APDU from the start of step 6 on, and the card it leaves. */
async function referenceRun(): Promise<{
  readonly apdus: readonly Uint8Array[];
  readonly shape: EidLayoutShape;
}> {
  const apdus: Uint8Array[] = [];
  let isUpgrading = false;
  const world = await createWorld({
    card: 'siths-eid',
    wrapTransport: (transport) => recording(transport, (apdu) => isUpgrading && apdus.push(apdu)),
  });
  try {
    const engine = world.engine();
    const final = await upgradeOf(world, engine, (state) => {
      if (state.type === 'upgrading') isUpgrading = true;
    });
    await engine.dispose();
    expect(final).toMatchObject({type: 'done'});
    return {apdus, shape: (await checkUpgradedEidCard(world)).shape};
  } finally {
    await world.close();
  }
}

/**
 * Whether a tear after `apdus[index]` leaves a card no other tear point of the list leaves: a write, but not an
 * inner piece of a file written in several UPDATE BINARY pieces (offset in P1 P2 past 0, the next APDU another
 * piece): a tear after any inner piece leaves the file part-written, as a tear after the first piece does.
 */
function isTearPoint(apdus: readonly Uint8Array[], index: number): boolean {
  const apdu = apdus[index]!;
  if (!WRITES.has(apdu[1]!)) return false;
  const isLaterPiece = (command: Uint8Array | undefined) =>
    command !== undefined && command[1] === INS_UPDATE_BINARY && (command[2]! | command[3]!) !== 0;
  return !(isLaterPiece(apdu) && isLaterPiece(apdus[index + 1]));
}

const reference = await referenceRun();
const tears: [string, number][] = reference.apdus.flatMap((apdu, index) =>
  isTearPoint(reference.apdus, index)
    ? [
        [
          `APDU ${index + 1} of ${reference.apdus.length} (INS ${apdu[1]!.toString(16).toUpperCase()})`,
          index + 1,
        ],
      ]
    : [],
);

/** Service certificates by plan item: all issued, and the valid ones. */
function issuedByItem(world: EidWorld): Map<string, {serial: string; isRevoked: boolean}[]> {
  const db = new Database(join(world.dir, 'service.sqlite'), {readonly: true});
  try {
    const rows = db
      .prepare("SELECT item_id, serial, revoked_at FROM certificates WHERE origin = 'service'")
      .all() as {item_id: string; serial: string; revoked_at: string | null}[];
    const byItem = new Map<string, {serial: string; isRevoked: boolean}[]>();
    for (const row of rows)
      byItem.set(row.item_id, [
        ...(byItem.get(row.item_id) ?? []),
        {serial: row.serial, isRevoked: row.revoked_at !== null},
      ]);
    return byItem;
  } finally {
    db.close();
  }
}

describe('an upgrade of the two-PIN card torn at any APDU that writes, run again, ends as an untorn one', () => {
  it('has writes to tear at', () => {
    expect(tears.length).toBeGreaterThan(0);
  });

  it.concurrent.each(tears)(
    'card torn at %s',
    async (_name, nth) => {
      const world = await createWorld({card: 'siths-eid'});
      try {
        const first = world.engine();
        let start: number | undefined;
        const torn = await upgradeOf(world, first, (state) => {
          if (start !== undefined || state.type !== 'upgrading') return;
          start = world.card.faults.commandCount;
          world.card.faults.tearAt(nth, 'after-effect');
        });
        expect(world.card.faults.commandCount - start!, 'the card was torn at that APDU').toBe(nth);
        expect(torn).toMatchObject({type: 'failed', error: {code: 'card-removed'}});
        await first.dispose().catch(() => undefined);
        world.card.faults.clear();
        world.readers.remove(READER);
        world.readers.insert(READER, world.card);

        const second = world.engine();
        const final = await upgradeOf(world, second);
        await second.dispose();
        expect(final).toMatchObject({type: 'done'});
        const {certificates, shape} = await checkUpgradedEidCard(world);
        expect(shape).toEqual(reference.shape);

        // One certificate per plan item, the one on the card; the old ones revoked at completion.
        const onCard = [...certificates.values()].map((der) => parseCertificate(der).serialNumber).sort();
        const issued = issuedByItem(world);
        expect([...issued.values()].map((certificates) => certificates.length)).toEqual([1, 1, 1, 1]);
        expect(
          [...issued.values()]
            .flat()
            .map(({serial}) => serial)
            .sort(),
        ).toEqual(onCard);
        const db = new Database(join(world.dir, 'service.sqlite'), {readonly: true});
        try {
          expect(
            db
              .prepare("SELECT revoked_at IS NOT NULL AS revoked FROM certificates WHERE origin = 'previous'")
              .all(),
          ).toEqual([{revoked: 1}, {revoked: 1}]);
        } finally {
          db.close();
        }
      } finally {
        await world.close();
      }
    },
    60_000,
  );
});
