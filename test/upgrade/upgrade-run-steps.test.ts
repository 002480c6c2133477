import {describe, expect, it} from 'vitest';
import type {CertificateFacts} from '../../source/upgrade/certificate-facts.js';
import type {CardPort, ServicePlanItem, ServiceSession} from '../../source/upgrade/ports.js';
import {expectedMs, REAL_CARD_TIMINGS} from '../../source/upgrade/progress-estimator.js';
import {
  declareCertificates,
  estimateUnusedPreparedKeys,
  planItemView,
  RunProgress,
  type SlotState,
  type UpgradeRunContext,
  refuseUnreplacedLiveCredentials,
  type ItemRun,
} from '../../source/upgrade/upgrade-run.js';

/** A plan item of `purpose` in `slot`, with a key still to be generated. */
function itemRun(
  id: string,
  slot: number,
  purpose: 'authentication' | 'signature',
  isLive: boolean,
): ItemRun {
  const item: ServicePlanItem = {
    id,
    identity: slot === 0x9a || slot === 0x9c ? 'hsa-id' : 'personnummer',
    purpose,
    keyAlgorithm: 'ecc-p256',
    slot,
    pinPolicy: 'once',
    subject: {commonName: 'Test Person', serialNumber: '191212121212'},
  };
  return {item, view: planItemView(item), status: {kind: 'needs-key'}, isLive};
}

describe('refuseUnreplacedLiveCredentials (step 6, invariant 1)', () => {
  it('lets a live slot wait for a free slot of the same purpose', () => {
    const runs = [
      itemRun('pnr-auth', 0x82, 'authentication', false),
      itemRun('hsa-auth', 0x9a, 'authentication', true),
    ];
    expect(() => refuseUnreplacedLiveCredentials(runs)).not.toThrow();
  });

  it('refuses a plan that would overwrite the only live credential of a purpose with no replacement', () => {
    const runs = [
      itemRun('pnr-sign', 0x83, 'signature', false),
      itemRun('hsa-auth', 0x9a, 'authentication', true),
    ];
    expect(() => refuseUnreplacedLiveCredentials(runs)).toThrow(
      expect.objectContaining({error: {code: 'answer-rejected', check: 'plan'}}),
    );
  });

  it('accepts a plan whose slots hold no live credential', () => {
    const runs = [
      itemRun('hsa-auth', 0x9a, 'authentication', false),
      itemRun('hsa-sign', 0x9c, 'signature', false),
    ];
    expect(() => refuseUnreplacedLiveCredentials(runs)).not.toThrow();
  });
});

describe('declareCertificates (step 6, invariant 3)', () => {
  /** A certificate on the card: only the fields the declaration reads. */
  const onCard = (serial: string, identity: {hsaId?: string; personnummer?: string}): SlotState => ({
    certificate: {serial, der: new TextEncoder().encode(serial), ...identity} as unknown as CertificateFacts,
  });

  it("declares the person's certificates on the card, not another person's nor the plan's own", async () => {
    const declared: string[][] = [];
    const session = {
      identity: {person: {hsaId: 'SE2321000016-1234', personnummer: '191212121212'}},
      declareCertificates: async (ders: readonly Uint8Array[]) => {
        declared.push(ders.map((der) => new TextDecoder().decode(der)));
        return [{serial: 'old-auth'}];
      },
    } as unknown as ServiceSession;
    const item = itemRun('hsa-auth', 0x9a, 'authentication', false).item;
    const context = {
      card: {} as CardPort,
      session,
      plan: {
        cardNumber: '1',
        termsVersion: '1',
        isTermsAccepted: true,
        items: [{...item, issued: {serial: 'new-auth'}}],
      },
      clock: {
        now: () => 0,
        // Ends (as the real clock does) when the run stops its progress ticker.
        sleep: (_ms: number, signal?: AbortSignal) =>
          new Promise<void>((_, reject) =>
            signal?.addEventListener('abort', () => reject(new Error('aborted'))),
          ),
      },
      log: {write: () => undefined},
      timings: REAL_CARD_TIMINGS,
      emit: () => undefined,
      signal: new AbortController().signal,
    } as unknown as UpgradeRunContext;
    const slots = new Map([
      [0x9a, onCard('old-auth', {hsaId: 'SE2321000016-1234'})],
      [0x82, onCard('new-auth', {personnummer: '191212121212'})],
      [0x83, onCard('someone-else', {personnummer: '190101010101'})],
      [0x9c, {}],
    ]);
    const replaced = await declareCertificates(context, new RunProgress(context), slots);
    expect(declared).toEqual([['old-auth']]);
    expect(replaced).toEqual([{serial: 'old-auth'}]);
  });
});

describe('estimateUnusedPreparedKeys (step 6)', () => {
  it('counts a key generation back when the survey did not take the key prepared for a slot', () => {
    const taken = {
      ...itemRun('pnr-auth', 0x82, 'authentication', false),
      prepared: {publicKey: new Uint8Array(1)},
    };
    const dropped = itemRun('pnr-sign', 0x83, 'signature', false);
    const key = {publicKey: new Uint8Array(1)};
    const context = {
      card: {} as CardPort,
      plan: {cardNumber: '1', termsVersion: '1', isTermsAccepted: true, items: [taken.item, dropped.item]},
      clock: {now: () => 0},
      timings: REAL_CARD_TIMINGS,
      prepared: new Map([
        [0x82, key],
        [0x83, key],
      ]),
    } as unknown as UpgradeRunContext;
    const progress = new RunProgress(context);
    const before = progress.estimator.estimate(0).estimatedRemainingMs;
    estimateUnusedPreparedKeys(context, progress, [taken, dropped]);
    const added = progress.estimator.estimate(0).estimatedRemainingMs - before;
    // One key generation (the dropped key's), not two.
    expect(added).toBe(expectedMs({kind: 'generate-key', algorithm: 'ecc-p256'}, REAL_CARD_TIMINGS));
  });
});
