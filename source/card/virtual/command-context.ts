import type {SecurityState} from './access-rules.js';
import type {FaultInjector} from './faults.js';
import type {CardState} from './state.js';
import type {CardOperation} from './timing.js';

/**
 * What an instruction handler of the virtual card gets and gives. A handler checks everything first, then
 * changes `state` and calls `commit()`, so a command either takes effect and is saved or changes nothing. Errors
 * are answers: a handler throws CardStatusError with the status word.
 */
export interface CommandContext {
  readonly state: CardState;
  readonly security: SecurityState;
  readonly faults: FaultInjector;
  /** Saves the persistent state (the card's EEPROM write); called after every change of `state`. */
  readonly commit: () => void;
}

/** A whole command as the applet sees it: chained pieces joined, Le handled by the card. */
export interface AppletCommand {
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data: Uint8Array;
  /** The most answer bytes the host expects (its Le: 1 to 65536), when it sent an Le. */
  readonly ne?: number;
}

/** A successful answer (9000): its data, and the expensive operation it did, for the timing model. */
export interface AppletReply {
  readonly data?: Uint8Array;
  readonly operation?: CardOperation;
}
