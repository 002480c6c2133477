import {constants, createPublicKey, privateEncrypt, randomBytes, type KeyObject} from 'node:crypto';
import {SHORT_MAX_LE} from '../../../apdu/command.js';
import {StatusWord} from '../../../apdu/status-word.js';
import {concatBytes, equalBytes, findTlv} from '../../../apdu/tlv.js';
import {Algorithm} from '../../piv/constants.js';
import {algorithmOfKey, generatePrivateKey, rsaPrivate} from '../asymmetric-keys.js';
import type {AppletCommand, AppletReply} from '../command-context.js';
import {CardStatusError} from '../errors.js';
import type {EidContext} from './command-context.js';
import {
  DATA_OBJECT_PUBLIC_KEY,
  DATA_OBJECT_VERSION,
  EID_VERSION,
  KEY_GENERATION_TAG,
  P1_MSE_SET_COMPUTE,
  P1P2_COMPUTE_DIGITAL_SIGNATURE,
  P2_MSE_CONFIDENTIALITY,
  P2_MSE_DIGITAL_SIGNATURE,
  PUBLIC_EXPONENT,
  SignatureAlgorithm,
  TAG_ALGORITHM_REFERENCE,
  TAG_FILE_REFERENCE,
  TAG_KEY_REFERENCE,
} from './constants.js';
import {childWithId, parseTlvs} from './file-system.js';
import {requireFileCondition} from './file-commands.js';
import {conditionOf, decodeSecurityAttributes} from './security-attributes.js';
import {keyReferenceOf, type KeyFile} from './state.js';

/**
 * The key commands of the EID applet: MANAGE SECURITY ENVIRONMENT and PSO COMPUTE DIGITAL SIGNATURE (ISO/IEC 7816-8
 * clauses 5.2 and 11.4) as card-setcos.c setcos_set_security_env and pkcs15-sec.c use them, on-card RSA key
 * generation (INS 46 with SetCOS's data, read back by GET DATA 0101), the version data object and GET CHALLENGE.
 */

/** The RSA sizes the card generates, as the timing model names them. */
const RSA_SIZES: ReadonlyMap<number, Algorithm> = new Map([
  [1024, Algorithm.Rsa1024],
  [2048, Algorithm.Rsa2048],
]);
/** The DigestInfo prefix of SHA-1 (RFC 8017 clause 9.2 note 1), which the card adds for algorithm 12. */
const SHA1_DIGEST_INFO_PREFIX = Uint8Array.of(
  ...[0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14],
);
const SHA1_LENGTH = 20;
const KEY_GENERATION_DATA_LENGTH = 9;

/**
 * MANAGE SECURITY ENVIRONMENT SET for a digital signature (41 B6): 80 the algorithm (00, 02 or 12), 81 the key file
 * in the current DF, 84 its key reference (optional; when given it must be the key file's). Confidentiality (41 B8)
 * is refused: the card's keys only sign.
 */
export function manageSecurityEnvironment(context: EidContext, command: AppletCommand): AppletReply {
  const {p1, p2, data} = command;
  if (p1 !== P1_MSE_SET_COMPUTE) throw new CardStatusError(StatusWord.IncorrectP1P2);
  if (p2 === P2_MSE_CONFIDENTIALITY) throw new CardStatusError(StatusWord.FunctionNotSupported);
  if (p2 !== P2_MSE_DIGITAL_SIGNATURE) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const items = parseTlvs(data);
  const algorithm = findTlv(items, TAG_ALGORITHM_REFERENCE);
  const fileReference = findTlv(items, TAG_FILE_REFERENCE);
  const keyReference = findTlv(items, TAG_KEY_REFERENCE);
  if (
    algorithm?.length !== 1 ||
    SignatureAlgorithm[algorithm[0]!] === undefined ||
    fileReference?.length !== 2 ||
    (keyReference !== undefined && keyReference.length !== 1)
  )
    throw new CardStatusError(StatusWord.WrongData);
  const file = childWithId(context.session.dfs.at(-1)!, (fileReference[0]! << 8) | fileReference[1]!);
  if (file?.kind !== 'key' || (keyReference !== undefined && keyReference[0] !== keyReferenceOf(file)))
    throw new CardStatusError(StatusWord.ReferenceNotFound);
  context.session.environment = {keyFile: file, algorithm: algorithm[0] as SignatureAlgorithm};
  return {};
}

/**
 * PSO COMPUTE DIGITAL SIGNATURE with the environment's key, under its sign condition: the data is a k-byte block
 * (00), what goes inside PKCS#1 v1.5 padding (02: a DigestInfo), or a SHA-1 hash (12). When the condition's PIN
 * allows one signature per verification (the Underskrift PIN), the PIN is no longer verified afterwards.
 */
export function computeDigitalSignature(context: EidContext, command: AppletCommand): AppletReply {
  if (((command.p1 << 8) | command.p2) !== P1P2_COMPUTE_DIGITAL_SIGNATURE)
    throw new CardStatusError(StatusWord.IncorrectP1P2);
  const environment = context.session.environment;
  if (environment === undefined) throw new CardStatusError(StatusWord.ConditionsNotSatisfied);
  const {keyFile, algorithm} = environment;
  const key = keyFile.privateKey;
  if (key === undefined) throw new CardStatusError(StatusWord.ReferenceNotFound);
  requireFileCondition(context, keyFile, 'sign');
  const signature = sign(key, algorithm, command.data);
  const condition = conditionOf(decodeSecurityAttributes('key', keyFile.securityAttributes), 'sign');
  if (
    condition.type === 'pin' &&
    context.state.pins.get(condition.reference)?.signaturesPerVerification === 1
  )
    context.session.verified.delete(condition.reference);
  return {
    data: signature,
    operation: {type: 'private-key', algorithm: algorithmOfKey(key) ?? Algorithm.Rsa2048},
  };
}

/**
 * GENERATE KEY PAIR (46, P1 P2 00 00) into the current key file, under its generate condition: data 92 00, modulus
 * bits (1024 or 2048), exponent bits and the exponent (65537 only). Replaces any key the file held. Answers no data:
 * the host reads the public key with GET DATA 0101.
 */
export async function generateKeyPair(context: EidContext, command: AppletCommand): Promise<AppletReply> {
  const {p1, p2, data} = command;
  if (p1 !== 0 || p2 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const file = currentKeyFile(context);
  requireFileCondition(context, file, 'generate');
  if (data[0] !== KEY_GENERATION_TAG) throw new CardStatusError(StatusWord.FunctionNotSupported);
  if (data.length !== KEY_GENERATION_DATA_LENGTH || data[1] !== 0)
    throw new CardStatusError(StatusWord.WrongData);
  const algorithm = RSA_SIZES.get((data[2]! << 8) | data[3]!);
  const exponentBits = (data[4]! << 8) | data[5]!;
  if (
    algorithm === undefined ||
    exponentBits !== 8 * PUBLIC_EXPONENT.length ||
    !equalBytes(data.subarray(6), PUBLIC_EXPONENT)
  )
    throw new CardStatusError(StatusWord.WrongData);
  const failure = context.faults.takeKeyGenerationFailure();
  if (failure !== undefined) throw new CardStatusError(failure);
  file.privateKey = await generatePrivateKey(algorithm);
  context.commit();
  return {operation: {type: 'key-generation', algorithm}};
}

/**
 * GET DATA: DF30 the applet's version ("v2.1" and one byte), 0101 the public key of the current key file under its
 * read condition (modulus bits, 2 bytes, then the modulus). Other data objects answer 6A88.
 */
export function getData(context: EidContext, command: AppletCommand): AppletReply {
  if (command.data.length > 0) throw new CardStatusError(StatusWord.WrongLength);
  const object = (command.p1 << 8) | command.p2;
  if (object === DATA_OBJECT_VERSION) return {data: Uint8Array.from(EID_VERSION)};
  if (object !== DATA_OBJECT_PUBLIC_KEY) throw new CardStatusError(StatusWord.ReferenceNotFound);
  const file = currentKeyFile(context);
  requireFileCondition(context, file, 'read');
  if (file.privateKey === undefined) throw new CardStatusError(StatusWord.ReferenceNotFound);
  const jwk = createPublicKey(file.privateKey).export({format: 'jwk'});
  const modulus = new Uint8Array(Buffer.from(jwk.n!, 'base64url'));
  const bits = modulus.length * 8;
  return {data: concatBytes([Uint8Array.of(bits >> 8, bits & 0xff), modulus])};
}

/** GET CHALLENGE (P1 P2 00 00): Ne random bytes. */
export function getChallenge(_context: EidContext, command: AppletCommand): AppletReply {
  if (command.p1 !== 0 || command.p2 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  if (command.data.length > 0 || command.ne === undefined) throw new CardStatusError(StatusWord.WrongLength);
  return {data: new Uint8Array(randomBytes(Math.min(command.ne, SHORT_MAX_LE)))};
}

function currentKeyFile(context: EidContext): KeyFile {
  const file = context.session.ef;
  if (file === undefined) throw new CardStatusError(StatusWord.CommandNotAllowed);
  if (file.kind !== 'key') throw new CardStatusError(StatusWord.IncompatibleFileStructure);
  return file;
}

/** The signature of `data` under the environment's algorithm. 6A80 when the data does not fit. */
function sign(key: KeyObject, algorithm: SignatureAlgorithm, data: Uint8Array): Uint8Array {
  switch (algorithm) {
    case SignatureAlgorithm.Raw:
      return rsaPrivate(key, data);
    case SignatureAlgorithm.Pkcs1:
      return pkcs1Sign(key, data);
    case SignatureAlgorithm.Pkcs1Sha1:
      if (data.length !== SHA1_LENGTH) throw new CardStatusError(StatusWord.WrongData);
      return pkcs1Sign(key, concatBytes([SHA1_DIGEST_INFO_PREFIX, data]));
  }
}

/** RSA over `data` in EMSA-PKCS1-v1_5 block type 1 (RFC 8017 clause 9.2), padded by node:crypto. */
function pkcs1Sign(key: KeyObject, data: Uint8Array): Uint8Array {
  if (data.length === 0) throw new CardStatusError(StatusWord.WrongData);
  try {
    return new Uint8Array(privateEncrypt({key, padding: constants.RSA_PKCS1_PADDING}, data));
  } catch {
    // OpenSSL refuses data longer than the modulus less 11 bytes of padding.
    throw new CardStatusError(StatusWord.WrongData);
  }
}
