import {Type, type Static} from 'typebox';
import {
  CARD_STATUSES,
  IDENTITIES,
  KEY_ALGORITHMS,
  message,
  PIN_POLICIES,
  planSlotSchema,
  PURPOSES,
  readonlyArray,
  stringEnum,
} from './common.js';
import {certificateViewSchema} from './certificates.js';

/** The upgrade plan for the session's card (GET /v1/plan). */
export const planItemSchema = message({
  /** Stable id, `<identity>-<purpose>`, e.g. personnummer-authentication. */
  id: Type.String(),
  identity: stringEnum(IDENTITIES),
  purpose: stringEnum(PURPOSES),
  keyAlgorithm: stringEnum(KEY_ALGORITHMS),
  slot: planSlotSchema,
  pinPolicy: stringEnum(PIN_POLICIES),
  /** The subject the service will put in the certificate (taken from the directory, never from the request). */
  subject: Type.Readonly(
    message({commonName: Type.Readonly(Type.String()), serialNumber: Type.Readonly(Type.String())}),
  ),
  /** The valid certificate already issued for this item, if any: resume with the same key gets it again. */
  issued: Type.Optional(certificateViewSchema),
});
export type PlanItem = Readonly<Static<typeof planItemSchema>>;

export const planSchema = message({
  card: Type.Readonly(
    message({number: Type.Readonly(Type.String()), status: Type.Readonly(stringEnum(CARD_STATUSES))}),
  ),
  termsVersion: Type.String(),
  isTermsAccepted: Type.Boolean(),
  /** The plan of the session's card profile, in installation order: the personnummer pair first. */
  items: readonlyArray(Type.Readonly(planItemSchema), {
    description:
      "The plan of the session's card profile, in installation order: the personnummer pair first, so it " +
      'becomes a working login credential, then the HSA-id pair. PIV: free retired slots 82 and 83, then 9A ' +
      'and 9C replaced in place. SITHS EID: RSA-2048 in free key files (by default 03 to 06) beside the old ' +
      "card's 01 and 02.",
  }),
  /** Earlier valid certificates of this card that completion revokes, as far as the service has seen them. */
  replaces: readonlyArray(certificateViewSchema),
});
export type Plan = Readonly<Static<typeof planSchema>>;
