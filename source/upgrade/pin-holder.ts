import {UpgradeError} from './errors.js';

/** The PIN retry counter of a YubiKey-like PIV card after a correct PIN (docs/piv-card.md section 4). */
export const DEFAULT_PIN_TRIES = 3;

/** The PIN, held in one buffer while an operation needs it, zeroed when it ends (docs/architecture.md, invariant 6). */
export class PinHolder {
  #pin: Uint8Array | undefined;

  hold(pin: Uint8Array): void {
    this.clear();
    this.#pin = pin;
  }

  get isHeld(): boolean {
    return this.#pin !== undefined;
  }

  /** The held PIN, for the card layer to pad and send; it neither keeps nor zeroes it. */
  readonly provide = (): Uint8Array => {
    if (this.#pin === undefined) throw new UpgradeError({code: 'internal'}, 'the PIN is not held');
    return this.#pin;
  };

  clear(): void {
    this.#pin?.fill(0);
    this.#pin = undefined;
  }
}
