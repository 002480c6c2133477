import {StatusWord} from '../../apdu/status-word.js';

/**
 * When a tear happens relative to the torn command: `before-effect` (the card lost power before the command
 * changed anything: no effect, no answer) or `after-effect` (the command took effect and was saved, but the answer
 * never reached the host).
 */
export type TearMoment = 'before-effect' | 'after-effect';

/**
 * Faults to inject into a virtual card, armed by a test and consumed by the card: the card torn out of the reader
 * after the Nth command, key generation failing, memory full. The card asks {@link FaultInjector.onCommand} once
 * per command (every APDU counts: chained pieces and GET RESPONSE too).
 */
export class FaultInjector {
  #commands = 0;
  #tear: {readonly atCommand: number; readonly moment: TearMoment} | undefined;
  #keyGenerationFailures = 0;
  #keyGenerationFailureSw: number = StatusWord.NoPreciseDiagnosis;
  #isMemoryFull = false;

  /** Commands the card has processed (or been torn at) since this injector was made. */
  get commandCount(): number {
    return this.#commands;
  }

  /**
   * Tears the card out at the `nth` command from now (1 = the next one), `moment` deciding whether that command
   * takes effect. The card then rejects that command and every later one with CardTornError until reset().
   * Throws a RangeError when `nth` is not a positive integer.
   */
  tearAt(nth: number, moment: TearMoment): void {
    if (!Number.isInteger(nth) || nth < 1) throw new RangeError(`nth must be a positive integer, not ${nth}`);
    this.#tear = {atCommand: this.#commands + nth, moment};
  }

  /** Makes the next `times` key generations fail with `sw` (default 6F00), leaving the slot as it was. */
  failKeyGeneration(times = 1, sw: number = StatusWord.NoPreciseDiagnosis): void {
    this.#keyGenerationFailures = times;
    this.#keyGenerationFailureSw = sw;
  }

  /** While set, every PUT DATA that would store bytes answers 6A84 (not enough memory); deleting still works. */
  setMemoryFull(isFull: boolean): void {
    this.#isMemoryFull = isFull;
  }

  /** Disarms every fault. */
  clear(): void {
    this.#tear = undefined;
    this.#keyGenerationFailures = 0;
    this.#isMemoryFull = false;
  }

  /** For the card: counts a command and says whether it is torn, and when. A tear fires once. */
  onCommand(): TearMoment | undefined {
    this.#commands++;
    if (this.#tear === undefined || this.#tear.atCommand !== this.#commands) return undefined;
    const {moment} = this.#tear;
    this.#tear = undefined;
    return moment;
  }

  /** For the card: the status word the key generation now starting must fail with, or undefined. */
  takeKeyGenerationFailure(): number | undefined {
    if (this.#keyGenerationFailures === 0) return undefined;
    this.#keyGenerationFailures--;
    return this.#keyGenerationFailureSw;
  }

  /** For the card: whether PUT DATA must answer 6A84. */
  get isMemoryFull(): boolean {
    return this.#isMemoryFull;
  }
}
