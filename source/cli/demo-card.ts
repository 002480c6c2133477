import {DEFAULT_EID_PINS} from '../card/virtual/eid/constants.js';
import {DEFAULT_PIN, DEFAULT_PUK} from '../card/virtual/state.js';
import type {DemoCodes} from '../screens/welcome.js';
import type {SimulatedCard} from '../card/virtual/simulate.js';

/**
 * The codes of the demo's virtual card, for the first screen: the PIV card's one PIN, or the SITHS card's
 * Legitimering and Underskrift PINs; the PUK. Light on imports: the first frame shows them before the demo loads.
 */
export function demoCodes(card: SimulatedCard): DemoCodes {
  return card === 'piv'
    ? {pin: DEFAULT_PIN, puk: DEFAULT_PUK}
    : {
        pin: DEFAULT_EID_PINS.authentication,
        signaturePin: DEFAULT_EID_PINS.signature,
        puk: DEFAULT_EID_PINS.puk,
      };
}

/**
 * The seed of the demo card's timing draws from SITHS_UPGRADE_DEMO_SEED: a whole number (up to nine digits), so that
 * two runs draw the same key generation times (the bench compares runs so); anything else: none (Math.random).
 */
export function demoTimingSeed(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}
