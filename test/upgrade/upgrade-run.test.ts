import {describe, expect, it} from 'vitest';
import {InProcessTransport} from '../../source/apdu/transports/in-process.js';
import {PivSession} from '../../source/card/piv/session.js';
import type {TearMoment} from '../../source/card/virtual/faults.js';
import {parseCertificate, verifyChain} from '../../source/pki/certificate.js';
import {verifyCrl} from '../../source/pki/crl.js';
import {PivCard} from '../../source/upgrade/adapters/piv-card.js';
import type {UpgradeEngine} from '../../source/upgrade/engine.js';
import {verifiesWith} from '../../source/upgrade/key-proof.js';
import {
  Step,
  type Activity,
  type EngineState,
  type ServiceCertificateView,
} from '../../source/upgrade/state.js';
import {httpsClient} from '../service/https-client.js';
import {autopilot} from './support/autopilot.js';
import {createWorld, HOLDER, PIN, READER, type World} from './support/world.js';

/** Where to interrupt: the first state in this step doing this (for this slot). */
interface Point {
  /** Any step when absent (where pipelining decides the step). */
  readonly step?: Step;
  readonly activity?: Activity;
  readonly slot?: number;
}

type Fault =
  | {readonly kind: 'tear'; readonly moment: TearMoment}
  | {readonly kind: 'kill'}
  | {readonly kind: 'cut-network'};

function isAt(state: EngineState, point: Point): boolean {
  if (point.step !== undefined && state.step !== point.step) return false;
  if (point.activity === undefined) return true;
  if (state.type !== 'upgrading' || state.progress.activity !== point.activity) return false;
  return point.slot === undefined || state.progress.currentItem?.slot === point.slot;
}

/** Checks the invariants from outside: a fresh engine logs in; at most one valid certificate per purpose. */
async function checkInvariants(world: World): Promise<readonly ServiceCertificateView[]> {
  const engine = world.engine();
  const result = await autopilot(engine, {pin: PIN, operation: 'list-certificates'});
  await engine.dispose();
  expect(result, 'a fresh engine can log in with what the card holds').toMatchObject({
    type: 'operation-result',
    result: {type: 'certificates-listed'},
  });
  if (result.type !== 'operation-result' || result.result.type !== 'certificates-listed')
    throw new Error('unreachable');
  const valid = result.result.certificates.filter((c) => c.origin === 'service' && c.status === 'valid');
  const kinds = valid.map((c) => `${c.identityKind}/${c.purpose}`);
  expect(new Set(kinds).size, `one valid certificate per identity and purpose: ${kinds.join(', ')}`).toBe(
    kinds.length,
  );
  return result.result.certificates;
}

/** The card ends in the canonical layout: four new certificates whose keys sign, Key History counting two. */
async function checkFinalCard(world: World): Promise<void> {
  const session = await PivSession.open(new InProcessTransport(world.card));
  try {
    const certificates = await session.readCertificates({isExhaustive: true});
    expect(certificates.map((c) => c.slot).sort()).toEqual([0x82, 0x83, 0x9a, 0x9c]);
    expect((await session.keyHistory())?.onCardCertificates).toBe(2);
    await session.verifyPin(PIN);
    const card = new PivCard(session);
    for (const {slot, certificate} of certificates) {
      const details = parseCertificate(certificate);
      verifyChain(certificate, world.trust.intermediates, world.trust.anchors, {date: new Date()});
      expect(details.hsaId ?? details.personnummer).toBe(slot >= 0x9a ? HOLDER.hsaId : HOLDER.personnummer);
      const signer = card.signer(slot, details.subjectPublicKeyInfo, () => new TextEncoder().encode(PIN));
      const message = new TextEncoder().encode(`signed in ${slot}`);
      expect(
        verifiesWith(details.subjectPublicKeyInfo, signer.algorithm, message, await signer.sign(message)),
      ).toBe(true);
    }
  } finally {
    await session.close();
  }
}

/**
 * Runs an upgrade and interrupts it at `point` with `fault`; then, as a person would, re-inserts the card or
 * waits for the network, checks the invariants, and runs the tool again to completion.
 */
async function interruptAndResume(world: World, point: Point, fault: Fault): Promise<void> {
  const first = world.engine();
  let hasFired = false;
  let fired!: () => void;
  const firedPromise = new Promise<void>((resolve) => (fired = resolve));
  first.subscribe(() => {
    const state = first.getState();
    if (hasFired || !isAt(state, point)) return;
    hasFired = true;
    if (fault.kind === 'tear') world.card.faults.tearAt(1, fault.moment);
    if (fault.kind === 'kill') void first.dispose();
    if (fault.kind === 'cut-network') void world.stopService();
    fired();
  });
  const outcome = await Promise.race([
    autopilot(first, {pin: PIN, operation: 'upgrade'}),
    firedPromise.then(() => (fault.kind === 'kill' ? ('killed' as const) : new Promise<never>(() => {}))),
  ]);
  expect(hasFired, 'the interruption point was reached').toBe(true);
  if (outcome !== 'killed') {
    const expected = fault.kind === 'tear' ? 'card-removed' : 'service-unreachable';
    expect(outcome).toMatchObject({type: 'failed', error: {code: expected}});
  }
  await disposeQuietly(first);
  world.card.faults.clear();
  world.readers.remove(READER);
  world.readers.insert(READER, world.card);
  await world.startService();

  const before = await checkInvariants(world);
  const second = world.engine();
  const final = await autopilot(second, {pin: PIN, operation: 'upgrade'});
  await second.dispose();
  expect(final).toMatchObject({type: 'done'});
  await checkFinalCard(world);
  const after = await checkInvariants(world);
  const previous = after.filter((c) => c.origin === 'previous');
  expect(previous.length).toBeGreaterThan(0);
  expect(previous.every((c) => c.status === 'revoked')).toBe(true);
  expect(after.filter((c) => c.origin === 'service' && c.status === 'valid')).toHaveLength(4);
  expect(before.length).toBeGreaterThan(0);
}

async function disposeQuietly(engine: UpgradeEngine): Promise<void> {
  await engine.dispose().catch(() => undefined);
}

describe('an interrupted upgrade, run again, completes and keeps the invariants', () => {
  const cases: [string, Point, Fault][] = [
    [
      'card torn while the card authenticates (step 6)',
      {step: 6, activity: 'authenticating-card'},
      {kind: 'tear', moment: 'before-effect'},
    ],
    [
      'card torn while the card is read (step 6)',
      {step: 6, activity: 'reading-card'},
      {kind: 'tear', moment: 'after-effect'},
    ],
    [
      'card torn as the 82 key is generated (step 7)',
      {step: 7, activity: 'generating-key', slot: 0x82},
      {kind: 'tear', moment: 'after-effect'},
    ],
    [
      'card torn while 83 signs its request (step 7)',
      {step: 7, activity: 'signing-request', slot: 0x83},
      {kind: 'tear', moment: 'before-effect'},
    ],
    [
      'card torn as the 82 certificate is written (step 7)',
      {step: 7, activity: 'writing-certificate', slot: 0x82},
      {kind: 'tear', moment: 'after-effect'},
    ],
    [
      'card torn as the 9A key replaces the old one (step 7)',
      {step: 7, activity: 'generating-key', slot: 0x9a},
      {kind: 'tear', moment: 'after-effect'},
    ],
    [
      'card torn before the 9A certificate is written (step 7 or 8)',
      {activity: 'writing-certificate', slot: 0x9a},
      {kind: 'tear', moment: 'before-effect'},
    ],
    [
      'card torn as the 83 certificate is written (step 7)',
      {step: 7, activity: 'writing-certificate', slot: 0x83},
      {kind: 'tear', moment: 'after-effect'},
    ],
    [
      'card torn before the 9C certificate is written (step 8)',
      {step: 8, activity: 'writing-certificate', slot: 0x9c},
      {kind: 'tear', moment: 'before-effect'},
    ],
    [
      'card torn during the 9C test signature (step 8)',
      {step: 8, activity: 'testing-signature', slot: 0x9c},
      {kind: 'tear', moment: 'after-effect'},
    ],
    [
      'card torn as the card is read back at the end (step 10)',
      {step: 10},
      {kind: 'tear', moment: 'before-effect'},
    ],
    [
      'tool killed while the service issues (step 7)',
      {step: 7, activity: 'awaiting-certificate'},
      {kind: 'kill'},
    ],
    [
      'tool killed while checking the 9C certificate (step 8)',
      {step: 8, activity: 'checking-certificate', slot: 0x9c},
      {kind: 'kill'},
    ],
    ['tool killed while completing (step 9)', {step: 9, activity: 'completing'}, {kind: 'kill'}],
    ['tool killed when done (step 10)', {step: 10}, {kind: 'kill'}],
    [
      'network cut while the service answers for the card (step 6)',
      {step: 6, activity: 'authenticating-card'},
      {kind: 'cut-network'},
    ],
    [
      'network cut as the 82 request is sent (step 7)',
      {step: 7, activity: 'signing-request', slot: 0x82},
      {kind: 'cut-network'},
    ],
    [
      'network cut while waiting for a certificate (step 8)',
      {step: 8, activity: 'awaiting-certificate'},
      {kind: 'cut-network'},
    ],
    ['network cut while completing (step 9)', {step: 9, activity: 'completing'}, {kind: 'cut-network'}],
  ];

  // Each case has its own card and service, so they run side by side.
  it.concurrent.each(cases)(
    '%s',
    async (_name, point, fault) => {
      const world = await createWorld();
      try {
        await interruptAndResume(world, point, fault);
      } finally {
        await world.close();
      }
    },
    60_000,
  );
});

/** The certificates on the card now, by slot, as serials. */
async function serialsOnCard(world: World): Promise<Map<number, string>> {
  const session = await PivSession.open(new InProcessTransport(world.card));
  try {
    const certificates = await session.readCertificates({isExhaustive: true});
    return new Map(
      certificates.map(({slot, certificate}) => [slot, parseCertificate(certificate).serialNumber]),
    );
  } finally {
    await session.close();
  }
}

/** The person's certificates as the service lists them (a fresh engine logs in with what the card holds). */
async function listedCertificates(world: World): Promise<readonly ServiceCertificateView[]> {
  const engine = world.engine();
  const result = await autopilot(engine, {pin: PIN, operation: 'list-certificates'});
  await engine.dispose();
  if (result.type !== 'operation-result' || result.result.type !== 'certificates-listed')
    throw new Error(`listing failed: ${JSON.stringify(result)}`);
  return result.result.certificates;
}

/** Runs an upgrade until `point`, then kills the tool there (tearing the card first when asked). */
async function killAt(world: World, point: Point, tear?: TearMoment): Promise<void> {
  const first = world.engine();
  const fired = new Promise<void>((resolve) => {
    let hasFired = false;
    first.subscribe(() => {
      if (hasFired || !isAt(first.getState(), point)) return;
      hasFired = true;
      if (tear !== undefined) world.card.faults.tearAt(1, tear);
      void first.dispose().catch(() => undefined);
      resolve();
    });
  });
  void autopilot(first, {pin: PIN, operation: 'upgrade'});
  await fired;
  await disposeQuietly(first);
  world.card.faults.clear();
  world.readers.remove(READER);
  world.readers.insert(READER, world.card);
}

describe('the service learns every old certificate before the upgrade overwrites any', () => {
  it.concurrent('knows both old certificates when the first key is generated', async () => {
    const world = await createWorld();
    try {
      const old = [...(await serialsOnCard(world)).values()];
      expect(old).toHaveLength(2);
      await killAt(world, {activity: 'generating-key'});
      const listed = await listedCertificates(world);
      for (const serial of old) {
        expect(listed.find((c) => c.serial === serial)).toMatchObject({origin: 'previous', status: 'valid'});
      }
    } finally {
      await world.close();
    }
  });

  it.concurrent.each([
    ['9C', 0x9c],
    ['9A', 0x9a],
  ])(
    'revokes both old certificates at completion when the run that overwrote %s was torn and killed',
    async (_name, slot) => {
      const world = await createWorld();
      try {
        const before = await serialsOnCard(world);
        const old = [before.get(0x9a)!, before.get(0x9c)!];
        await killAt(world, {activity: 'testing-signature', slot}, 'before-effect');
        const between = await serialsOnCard(world);
        expect(between.get(slot), `the old certificate in ${slot.toString(16)} is gone`).not.toBe(
          before.get(slot),
        );

        const second = world.engine();
        const final = await autopilot(second, {pin: PIN, operation: 'upgrade'});
        await second.dispose();
        expect(final).toMatchObject({type: 'done'});
        await checkFinalCard(world);

        const listed = await listedCertificates(world);
        for (const serial of old) {
          expect(listed.find((c) => c.serial === serial)).toMatchObject({
            origin: 'previous',
            status: 'revoked',
          });
        }
        const oldCa = world.settings.authorities.find((a) => a.id === 'old')!.certificate;
        const call = httpsClient(world.service.url, world.service.caCertificate);
        const crl = verifyCrl(new Uint8Array((await call('GET', '/v1/crl/old.crl')).raw), oldCa);
        expect(crl.revoked.map((entry) => entry.serialNumber).sort()).toEqual([...old].sort());
      } finally {
        await world.close();
      }
    },
    60_000,
  );
});
