import type {FaultInjector} from '../faults.js';
import type {SignatureAlgorithm} from './constants.js';
import type {DedicatedFile, EidCardState, KeyFile, TransparentFile} from './state.js';

/**
 * What an instruction handler of the EID applet gets: the persistent state, the volatile session, the faults, and
 * `commit` to save after a change (the same contract as the PIV applet's ../command-context.ts: check everything,
 * then change and commit, or throw CardStatusError and change nothing).
 */
export interface EidContext {
  readonly state: EidCardState;
  readonly session: EidSession;
  readonly faults: FaultInjector;
  readonly commit: () => void;
}

/** What the card forgets on reset, power-off and tear: the selection, the verified PINs, the security environment. */
export interface EidSession {
  /** The DFs from the MF to the current DF (the MF first). */
  dfs: DedicatedFile[];
  /** The current EF, if one is selected. */
  ef: TransparentFile | KeyFile | undefined;
  /** References of the PINs verified since the last reset. */
  readonly verified: Set<number>;
  /** The key and algorithm MANAGE SECURITY ENVIRONMENT set for the next PSO. */
  environment: {readonly keyFile: KeyFile; readonly algorithm: SignatureAlgorithm} | undefined;
}

/** A session with the MF selected and nothing verified. */
export function freshSession(root: DedicatedFile): EidSession {
  return {dfs: [root], ef: undefined, verified: new Set(), environment: undefined};
}
