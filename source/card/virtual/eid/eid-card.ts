import {createPublicKey} from 'node:crypto';
import type {CardEndpoint} from '../../../apdu/transports/transport.js';
import {CardIo, type CardClock} from '../card-io.js';
import {FaultInjector} from '../faults.js';
import {loadOrCreateState} from '../state-file.js';
import type {TimingModel} from '../timing.js';
import {EID_REPEATABLE_INSTRUCTIONS, EidApplet} from './applet.js';
import {TELIA_EID_IP5A_ATR} from './constants.js';
import {loadEidCardState, saveEidCardState} from './state-file.js';
import {type CardFile, type EidCardState, keyReferenceOf, storageBytes} from './state.js';

/**
 * A virtual SITHS card as staff hold it: a Telia EID IP5a with the Setec EID applet and standard PKCS#15 objects,
 * two PINs (Legitimering, Underskrift) and a PUK, as OpenSC 0.23's setcos driver (type SETCOS_EID_V2_1) and
 * pkcs15 framework drive it. A T=0 card behind the same I/O side as the PIV card (../card-io.ts); its commands
 * are in applet.ts. See docs/siths-eid-card.md.
 */

export interface VirtualEidCardOptions {
  /** The card's persistent state (from a profile or loadEidCardState); the card owns it from now on. */
  readonly state: EidCardState;
  /** Where to save the state after every change; none keeps it in memory only (as VirtualPivCardOptions). */
  readonly stateFile?: string;
  /** Default DEFAULT_TIMING (a JCOP4 card); INSTANT_TIMING for unit tests. */
  readonly timing?: TimingModel;
  readonly clock?: CardClock;
  /** Uniform in [0, 1), for timing draws; default Math.random. */
  readonly random?: () => number;
  /** Faults to inject; default a FaultInjector with nothing armed (reachable as `card.faults`). */
  readonly faults?: FaultInjector;
}

/** What the card holds, without any secret: for tests and the simulator's output. */
export interface VirtualEidCardView {
  /** Retry counters by reference (81, 82, 83). */
  readonly pins: ReadonlyMap<number, {readonly totalRetries: number; readonly remainingRetries: number}>;
  /** Every file by its path from the MF (hex, "3F0050154B01"), in tree order. */
  readonly files: ReadonlyMap<string, {readonly kind: CardFile['kind']; readonly size: number}>;
  /** Key files holding a key, by path: key reference and public key (SubjectPublicKeyInfo DER). */
  readonly keys: ReadonlyMap<string, {readonly keyReference: number; readonly publicKey: Uint8Array}>;
  /** EEPROM bytes the files use, and the card's capacity. */
  readonly usedBytes: number;
  readonly capacity: number;
}

/**
 * The virtual EID card. Starts powered off: `reset()` powers it on with the MF selected and nothing verified.
 * Rejections of `process` as CardIo's: CardTornError after a tear, VirtualCardError 'card-powered-off' and
 * 'state-file-failed'. Every other outcome is a status word.
 */
export class VirtualEidCard implements CardEndpoint {
  readonly faults: FaultInjector;
  readonly #state: EidCardState;
  readonly #stateFile: string | undefined;
  readonly #io: CardIo;

  constructor(options: VirtualEidCardOptions) {
    this.#state = options.state;
    this.#stateFile = options.stateFile;
    this.faults = options.faults ?? new FaultInjector();
    this.#io = new CardIo({
      application: new EidApplet(this.#state, () => this.save(), this.faults),
      atr: TELIA_EID_IP5A_ATR,
      protocol: 'T=0',
      repeatableInstructions: EID_REPEATABLE_INSTRUCTIONS,
      faults: this.faults,
      timing: options.timing,
      clock: options.clock,
      random: options.random,
    });
  }

  /**
   * The card in `stateFile` when the file exists, else a new card from `create` (a profile), saved there at once.
   * Throws VirtualCardError 'state-file-invalid' or 'state-file-failed'.
   */
  static async loadOrCreate(
    stateFile: string,
    create: () => Promise<EidCardState>,
    options: Omit<VirtualEidCardOptions, 'state' | 'stateFile'> = {},
  ): Promise<VirtualEidCard> {
    const state = await loadOrCreateState(stateFile, loadEidCardState, saveEidCardState, create);
    return new VirtualEidCard({...options, state, stateFile});
  }

  reset(): Uint8Array {
    return this.#io.reset();
  }

  powerOff(): void {
    this.#io.powerOff();
  }

  process(apdu: Uint8Array): Promise<Uint8Array> {
    return this.#io.process(apdu);
  }

  /** Saves the state to the state file now (the card also does after every change). No-op without a file. */
  save(): void {
    if (this.#stateFile !== undefined) saveEidCardState(this.#stateFile, this.#state);
  }

  inspect(): VirtualEidCardView {
    const files = new Map<string, {kind: CardFile['kind']; size: number}>();
    const keys = new Map<string, {keyReference: number; publicKey: Uint8Array}>();
    const visit = (file: CardFile, parent: string) => {
      const path = `${parent}${file.fid.toString(16).toUpperCase().padStart(4, '0')}`;
      files.set(path, {kind: file.kind, size: file.kind === 'ef' ? file.content.length : 0});
      if (file.kind === 'df') for (const child of file.children) visit(child, path);
      if (file.kind === 'key' && file.privateKey !== undefined)
        keys.set(path, {
          keyReference: keyReferenceOf(file),
          publicKey: new Uint8Array(createPublicKey(file.privateKey).export({type: 'spki', format: 'der'})),
        });
    };
    visit(this.#state.root, '');
    return {
      pins: new Map(
        [...this.#state.pins].map(([reference, {totalRetries, remainingRetries}]) => [
          reference,
          {totalRetries, remainingRetries},
        ]),
      ),
      files,
      keys,
      usedBytes: storageBytes(this.#state.root),
      capacity: this.#state.capacity,
    };
  }
}
