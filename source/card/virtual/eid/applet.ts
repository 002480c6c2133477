import {StatusWord} from '../../../apdu/status-word.js';
import type {CardApplication} from '../card-io.js';
import type {AppletCommand, AppletReply} from '../command-context.js';
import {CardStatusError} from '../errors.js';
import type {FaultInjector} from '../faults.js';
import {type EidContext, freshSession} from './command-context.js';
import {
  INS_ACTIVATE_FILE,
  INS_CHANGE_REFERENCE_DATA,
  INS_CREATE_FILE,
  INS_DELETE_FILE,
  INS_GENERATE_KEY_PAIR,
  INS_GET_CHALLENGE,
  INS_GET_DATA,
  INS_MANAGE_SECURITY_ENVIRONMENT,
  INS_PERFORM_SECURITY_OPERATION,
  INS_READ_BINARY,
  INS_RESET_RETRY_COUNTER,
  INS_SELECT,
  INS_UPDATE_BINARY,
  INS_VERIFY,
} from './constants.js';
import {activateFile, createFile, deleteFile, readBinary, select, updateBinary} from './file-commands.js';
import {
  computeDigitalSignature,
  generateKeyPair,
  getChallenge,
  getData,
  manageSecurityEnvironment,
} from './key-commands.js';
import {changeReferenceData, resetRetryCounter, verify} from './pin-commands.js';
import type {EidCardState} from './state.js';

/**
 * The Setec EID applet as one command dispatcher: the default-selected application of the card (OpenSC never
 * selects it by name), with the MF current after every reset. Knows nothing of APDU framing, chaining or timing
 * (../card-io.ts).
 */

type Handler = (context: EidContext, command: AppletCommand) => AppletReply | Promise<AppletReply>;

const HANDLERS: ReadonlyMap<number, Handler> = new Map<number, Handler>([
  [INS_SELECT, select],
  [INS_READ_BINARY, readBinary],
  [INS_UPDATE_BINARY, updateBinary],
  [INS_CREATE_FILE, createFile],
  [INS_DELETE_FILE, deleteFile],
  [INS_ACTIVATE_FILE, activateFile],
  [INS_VERIFY, verify],
  [INS_CHANGE_REFERENCE_DATA, changeReferenceData],
  [INS_RESET_RETRY_COUNTER, resetRetryCounter],
  [INS_MANAGE_SECURITY_ENVIRONMENT, manageSecurityEnvironment],
  [INS_PERFORM_SECURITY_OPERATION, computeDigitalSignature],
  [INS_GENERATE_KEY_PAIR, generateKeyPair],
  [INS_GET_DATA, getData],
  [INS_GET_CHALLENGE, getChallenge],
]);

/** Instructions without side effects, which may answer 6Cxx to a short Le (see CardIoOptions). */
export const EID_REPEATABLE_INSTRUCTIONS: ReadonlySet<number> = new Set([INS_READ_BINARY, INS_GET_DATA]);

export class EidApplet implements CardApplication {
  readonly #context: EidContext;

  constructor(state: EidCardState, commit: () => void, faults: FaultInjector) {
    this.#context = {state, faults, commit, session: freshSession(state.root)};
  }

  clearVolatileState(): void {
    Object.assign(this.#context.session, freshSession(this.#context.state.root));
  }

  process(command: AppletCommand): AppletReply | Promise<AppletReply> {
    const handler = HANDLERS.get(command.ins);
    if (handler === undefined) throw new CardStatusError(StatusWord.InsNotSupported);
    return handler(this.#context, command);
  }
}
