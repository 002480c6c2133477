import {StatusWord} from '../../apdu/status-word.js';
import {encodeTlv, encodeTlvs} from '../../apdu/tlv.js';
import {
  INS_ATTEST,
  INS_CHANGE_REFERENCE_DATA,
  INS_GENERAL_AUTHENTICATE,
  INS_GENERATE_ASYMMETRIC,
  INS_GET_DATA,
  INS_GET_METADATA,
  INS_GET_SERIAL,
  INS_GET_VERSION,
  INS_IMPORT_KEY,
  INS_MOVE_KEY,
  INS_PUT_DATA,
  INS_RESET,
  INS_RESET_RETRY_COUNTER,
  INS_SELECT,
  INS_SET_MANAGEMENT_KEY,
  INS_SET_PIN_RETRIES,
  INS_VERIFY,
  P1_SELECT_BY_NAME,
  PIV_AID,
  PIV_AID_MIN_PREFIX,
  TAG_AID,
  TAG_ALLOCATION_AUTHORITY,
  TAG_APPLICATION_PROPERTY_TEMPLATE,
} from '../piv/constants.js';
import type {FirmwareVersion} from '../piv/session.js';
import {clearedSecurity, type SecurityState} from './access-rules.js';
import {generalAuthenticate, setManagementKey} from './authenticate-commands.js';
import type {AppletCommand, AppletReply, CommandContext} from './command-context.js';
import {getData, putData} from './data-object-commands.js';
import {CardStatusError} from './errors.js';
import type {FaultInjector} from './faults.js';
import {attest, generateKeyPair, getMetadata, importKey, moveKey} from './key-commands.js';
import {changeReferenceData, resetRetryCounter, setPinRetries, verify} from './pin-commands.js';
import {isAtLeast, resetToFactory, type CardState} from './state.js';

/**
 * The card's applications as one command dispatcher: the PIV application (SP 800-73-4 Part 2 with the YubiKey
 * extensions) and, so that selecting another application has its effect, a stub of the YubiKey management
 * application that only answers SELECT. Knows nothing of APDU framing, chaining or timing (virtual-card.ts).
 */

/** The PIX of the PIV application with its version, as a YubiKey puts it in the SELECT answer's 4F. */
const PIV_PIX_WITH_VERSION = PIV_AID.subarray(PIV_AID_MIN_PREFIX);
/** The tag allocation authority's AID in the APT: the NIST RID (SP 800-73-4 Part 2 clause 3.1.1). */
const NIST_RID = PIV_AID.subarray(0, PIV_AID_MIN_PREFIX);
/** The YubiKey management application (yubikit AID.MANAGEMENT). */
const MANAGEMENT_AID = Uint8Array.of(0xa0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17);
/** SELECT P2: return the FCI / APT (00) or nothing (0C) (ISO/IEC 7816-4 clause 11.1.1, table 40). */
const P2_SELECT_RETURN_FCI = 0x00;
const P2_SELECT_NO_RESPONSE = 0x0c;
/** SELECT P1 values that select by file identifier or path (ISO/IEC 7816-4 table 39): no such files here. */
const P1_SELECT_BY_FILE_LAST = 0x09;

type Application = 'piv' | 'management';

type Handler = (context: CommandContext, command: AppletCommand) => AppletReply | Promise<AppletReply>;

/** The PIV instructions, with the firmware each needs (YubiKey extensions). */
const PIV_HANDLERS: ReadonlyMap<number, {readonly handler: Handler; readonly since?: FirmwareVersion}> =
  new Map<number, {readonly handler: Handler; readonly since?: FirmwareVersion}>([
    [INS_GET_DATA, {handler: getData}],
    [INS_PUT_DATA, {handler: putData}],
    [INS_VERIFY, {handler: verify}],
    [INS_CHANGE_REFERENCE_DATA, {handler: changeReferenceData}],
    [INS_RESET_RETRY_COUNTER, {handler: resetRetryCounter}],
    [INS_GENERAL_AUTHENTICATE, {handler: generalAuthenticate}],
    [INS_GENERATE_ASYMMETRIC, {handler: generateKeyPair}],
    [INS_SET_MANAGEMENT_KEY, {handler: setManagementKey}],
    [INS_IMPORT_KEY, {handler: importKey}],
    [INS_GET_VERSION, {handler: getVersion}],
    [INS_RESET, {handler: resetApplication}],
    [INS_SET_PIN_RETRIES, {handler: setPinRetries}],
    [INS_ATTEST, {handler: attest, since: {major: 4, minor: 3, patch: 0}}],
    [INS_GET_SERIAL, {handler: getSerial, since: {major: 5, minor: 0, patch: 0}}],
    [INS_GET_METADATA, {handler: getMetadata, since: {major: 5, minor: 3, patch: 0}}],
    [INS_MOVE_KEY, {handler: moveKey, since: {major: 5, minor: 7, patch: 0}}],
  ]);

/** The applications of the card, their selection and the volatile security state. */
export class Applet {
  #selected: Application | undefined;
  readonly #security: SecurityState = clearedSecurity();
  readonly #context: CommandContext;

  constructor(state: CardState, commit: () => void, faults: FaultInjector) {
    this.#context = {state, faults, commit, security: this.#security};
  }

  /** Power-on, reset, power-off or tear: nothing selected, nothing verified. */
  clearVolatileState(): void {
    this.#selected = undefined;
    Object.assign(this.#security, clearedSecurity());
  }

  /**
   * Runs one whole command. Resolves to the reply on success; rejects with CardStatusError for every other
   * status word (6D00 for an instruction the selected application does not know or none is selected).
   */
  async process(command: AppletCommand): Promise<AppletReply> {
    if (command.ins === INS_SELECT) return this.#select(command);
    const entry = this.#selected === 'piv' ? PIV_HANDLERS.get(command.ins) : undefined;
    if (
      !entry ||
      (entry.since &&
        !isAtLeast(this.#context.state.firmware, entry.since.major, entry.since.minor, entry.since.patch))
    )
      throw new CardStatusError(StatusWord.InsNotSupported);
    return entry.handler(this.#context, command);
  }

  /**
   * SELECT by name (SP 800-73-4 Part 2 clause 3.1.1): any prefix of the PIV AID of 5 bytes or more selects PIV and
   * answers its APT; re-selecting PIV keeps the security state but drops a pending management witness; selecting
   * the management application clears the security state; an unknown AID answers 6A82 and changes nothing.
   */
  #select(command: AppletCommand): AppletReply {
    const {p1, p2, data} = command;
    if (p2 !== P2_SELECT_RETURN_FCI && p2 !== P2_SELECT_NO_RESPONSE)
      throw new CardStatusError(StatusWord.IncorrectP1P2);
    if (p1 <= P1_SELECT_BY_FILE_LAST && p1 !== P1_SELECT_BY_NAME)
      throw new CardStatusError(StatusWord.NotFound);
    if (p1 !== P1_SELECT_BY_NAME) throw new CardStatusError(StatusWord.IncorrectP1P2);
    const isPiv =
      data.length >= PIV_AID_MIN_PREFIX &&
      data.length <= PIV_AID.length &&
      data.every((byte, index) => byte === PIV_AID[index]);
    const isManagement =
      data.length === MANAGEMENT_AID.length && data.every((b, i) => b === MANAGEMENT_AID[i]);
    if (!isPiv && !isManagement) throw new CardStatusError(StatusWord.NotFound);
    const application: Application = isPiv ? 'piv' : 'management';
    if (application !== this.#selected) Object.assign(this.#security, clearedSecurity());
    this.#security.managementChallenge = undefined;
    this.#selected = application;
    if (p2 === P2_SELECT_NO_RESPONSE) return {};
    return {data: isPiv ? applicationPropertyTemplate() : managementVersion(this.#context.state.firmware)};
  }
}

/**
 * The APT as a YubiKey answers it: 61 { 4F <PIX with version>, 79 { 4F <NIST RID> } } (SP 800-73-4 Part 2 table 3).
 * OpenSC accepts a 4F starting with the PIX 00 00 10 00; no algorithm list, label or URL.
 */
function applicationPropertyTemplate(): Uint8Array {
  return encodeTlv(
    TAG_APPLICATION_PROPERTY_TEMPLATE,
    encodeTlvs([
      {tag: TAG_AID, value: PIV_PIX_WITH_VERSION},
      {tag: TAG_ALLOCATION_AUTHORITY, value: encodeTlv(TAG_AID, NIST_RID)},
    ]),
  );
}

/** The management application's SELECT answer: its version as text, "5.7.2", which ykman parses. */
function managementVersion(firmware: FirmwareVersion): Uint8Array {
  return new TextEncoder().encode(`${firmware.major}.${firmware.minor}.${firmware.patch}`);
}

/** GET VERSION (YubiKey FD): major, minor, patch. */
function getVersion(context: CommandContext): AppletReply {
  const {major, minor, patch} = context.state.firmware;
  return {data: Uint8Array.of(major, minor, patch)};
}

/** GET SERIAL (YubiKey F8, firmware 5.0+): the serial number, 4 bytes big-endian. */
function getSerial(context: CommandContext): AppletReply {
  const data = new Uint8Array(4);
  new DataView(data.buffer).setUint32(0, context.state.serial);
  return {data};
}

/**
 * RESET (YubiKey FB): back to factory state, keeping the attestation key; only when PIN and PUK are both blocked,
 * else 6985.
 */
function resetApplication(context: CommandContext): AppletReply {
  const {state, security} = context;
  if (state.pin.remainingRetries !== 0 || state.puk.remainingRetries !== 0)
    throw new CardStatusError(StatusWord.ConditionsNotSatisfied);
  resetToFactory(state);
  Object.assign(security, clearedSecurity());
  context.commit();
  return {};
}
