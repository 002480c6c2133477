import {RETIRED_SLOT_FIRST, RETIRED_SLOT_LAST, Slot} from './constants.js';
import type {KeyHistory} from './objects.js';

/**
 * Where certificates sit on a PIV card and what Key History must say about them (SP 800-73-4 Part 1 table 4b and
 * clause 3.3.3; docs/piv-card.md section 2): the standard slots, the retired key management slots 82..95, and Key
 * History's on-card count, up to which OpenSC, Windows and macOS read the retired certificates. The session
 * (session.ts) reads and writes the objects; the rules of which slot is read and what the count must be are here.
 */

/** The standard certificate slots, in the order they are listed. */
export const STANDARD_SLOTS: readonly Slot[] = [
  Slot.Authentication,
  Slot.Signature,
  Slot.KeyManagement,
  Slot.CardAuthentication,
];

/** The retired key management slots 82..95, in Key History's order. */
export const RETIRED_SLOTS: readonly Slot[] = Array.from(
  {length: RETIRED_SLOT_LAST - RETIRED_SLOT_FIRST + 1},
  (_, index) => (RETIRED_SLOT_FIRST + index) as Slot,
);

/** Whether `slot` is one of the retired key management slots 82..95. */
export function isRetiredSlot(slot: number): boolean {
  return slot >= RETIRED_SLOT_FIRST && slot <= RETIRED_SLOT_LAST;
}

/** The smallest on-card count that shows the retired `slot`: its position from 82, counting from 1. */
export function countShowing(slot: Slot): number {
  return slot - RETIRED_SLOT_FIRST + 1;
}

/** Whether Key History's on-card count `counted` covers the retired `slot`. */
export function isCounted(slot: Slot, counted: number): boolean {
  return countShowing(slot) <= counted;
}

/**
 * Key History's on-card count after the certificate of the retired `slot` was written (`isHeld` true) or deleted:
 * the number of retired slots from 82 up to the highest that holds a certificate. That is the count when they are
 * packed from 82, as SP 800-73-4 Part 1 clause 3.3.3 asks, and it never hides a certificate from a client that
 * reads 82 up to the count. A write only raises the count. After a delete at or above the count,
 * `holdsCertificate` is asked about the lower slots, highest first, until one holds a certificate; a delete below
 * the count leaves it, and asks nothing.
 */
export async function onCardCountAfter(
  counted: number,
  slot: Slot,
  isHeld: boolean,
  holdsCertificate: (slot: Slot) => Promise<boolean>,
): Promise<number> {
  const showing = countShowing(slot);
  if (isHeld) return Math.max(counted, showing);
  if (showing < counted) return counted;
  for (let lower = showing - 2; lower >= 0; lower--) {
    if (await holdsCertificate(RETIRED_SLOTS[lower]!)) return lower + 1;
  }
  return 0;
}

/**
 * The Key History to write so that its on-card count is `onCard`, keeping the off-card count and URL; undefined
 * when `history` already says so. A card without Key History gets one once a retired slot changed, even with a
 * count of 0.
 */
export function keyHistoryCounting(history: KeyHistory | undefined, onCard: number): KeyHistory | undefined {
  if (history !== undefined && history.onCardCertificates === onCard) return undefined;
  return {
    onCardCertificates: onCard,
    offCardCertificates: history?.offCardCertificates ?? 0,
    offCardCertificateUrl: history?.offCardCertificateUrl,
  };
}
