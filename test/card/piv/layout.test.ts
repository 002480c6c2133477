import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {Slot} from '../../../source/card/piv/constants.js';
import {
  countShowing,
  isCounted,
  isRetiredSlot,
  keyHistoryCounting,
  onCardCountAfter,
  RETIRED_SLOTS,
} from '../../../source/card/piv/layout.js';

/** Runs onCardCountAfter over a card whose retired slots holding a certificate are `held`, recording what it asks. */
async function countAfter(counted: number, slot: Slot, held: ReadonlySet<Slot>) {
  const asked: Slot[] = [];
  const count = await onCardCountAfter(counted, slot, held.has(slot), (lower) => {
    asked.push(lower);
    return Promise.resolve(held.has(lower));
  });
  return {count, asked};
}

describe('the PIV card layout', () => {
  it('knows the twenty retired slots 82..95 and counts each from 82', () => {
    expect(RETIRED_SLOTS).toHaveLength(20);
    expect(RETIRED_SLOTS[0]).toBe(Slot.Retired1);
    expect(RETIRED_SLOTS.at(-1)).toBe(Slot.Retired20);
    expect(RETIRED_SLOTS.map(countShowing)).toEqual(RETIRED_SLOTS.map((_, index) => index + 1));
    expect([0x81, 0x82, 0x95, 0x96, Slot.Authentication].map(isRetiredSlot)).toEqual([
      false,
      true,
      true,
      false,
      false,
    ]);
    expect(isCounted(Slot.Retired2, 2)).toBe(true);
    expect(isCounted(Slot.Retired3, 2)).toBe(false);
  });

  it.each([
    // counted, slot, slots holding a certificate afterwards, count, lower slots asked about
    [0, Slot.Retired1, [Slot.Retired1], 1, []],
    [0, Slot.Retired2, [Slot.Retired2], 2, []],
    [3, Slot.Retired2, [Slot.Retired1, Slot.Retired2, Slot.Retired3], 3, []],
    [2, Slot.Retired2, [Slot.Retired1], 1, [Slot.Retired1]],
    [2, Slot.Retired1, [Slot.Retired2], 2, []],
    [3, Slot.Retired3, [Slot.Retired1], 1, [Slot.Retired2, Slot.Retired1]],
    [1, Slot.Retired1, [], 0, []],
    [1, Slot.Retired4, [Slot.Retired1, Slot.Retired3], 3, [Slot.Retired3]],
  ] as const)(
    'from a count of %i, after slot %i changed (held: %j), counts %i and reads %j',
    async (counted, slot, held, count, asked) => {
      expect(await countAfter(counted, slot, new Set(held))).toEqual({count, asked});
    },
  );

  it('keeps the count at the highest retired slot holding a certificate through any writes and deletes', async () => {
    const change = fc.record({
      slot: fc.constantFrom(...RETIRED_SLOTS),
      isWrite: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(change, {maxLength: 30}), async (changes) => {
        const held = new Set<Slot>();
        let counted = 0;
        for (const {slot, isWrite} of changes) {
          if (isWrite) held.add(slot);
          else held.delete(slot);
          counted = (await countAfter(counted, slot, held)).count;
          expect(counted).toBe(Math.max(0, ...[...held].map(countShowing)));
        }
      }),
    );
  });

  it('writes Key History only when the count changes or the card has none, keeping the off-card part', () => {
    const url = new Uint8Array([0x68, 0x74]);
    const history = {onCardCertificates: 2, offCardCertificates: 1, offCardCertificateUrl: url};
    expect(keyHistoryCounting(history, 2)).toBeUndefined();
    expect(keyHistoryCounting(history, 3)).toEqual({...history, onCardCertificates: 3});
    expect(keyHistoryCounting(undefined, 0)).toEqual({
      onCardCertificates: 0,
      offCardCertificates: 0,
      offCardCertificateUrl: undefined,
    });
  });
});
