import {
  CARD_STATUSES,
  IDENTITIES,
  KEY_ALGORITHMS,
  PIN_POLICIES,
  planSlotSchema,
  PURPOSES,
  type CardStatus,
  type Identity,
  type KeyAlgorithm,
  type PinPolicy,
  type PlanSlot,
  type Purpose,
} from './common.js';
import {certificateViewSchema, type CertificateView} from './certificates.js';

/** The upgrade plan for the session's card (GET /v1/plan). */
export interface PlanItem {
  /** Stable id, `<identity>-<purpose>`, e.g. personnummer-authentication. */
  readonly id: string;
  readonly identity: Identity;
  readonly purpose: Purpose;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly slot: PlanSlot;
  readonly pinPolicy: PinPolicy;
  /** The subject the service will put in the certificate (taken from the directory, never from the request). */
  readonly subject: {readonly commonName: string; readonly serialNumber: string};
  /** The valid certificate already issued for this item, if any: resume with the same key gets it again. */
  readonly issued?: CertificateView;
}

export interface Plan {
  readonly card: {readonly number: string; readonly status: CardStatus};
  readonly termsVersion: string;
  readonly isTermsAccepted: boolean;
  /** The plan of the session's card profile, in installation order: the personnummer pair first. */
  readonly items: readonly PlanItem[];
  /** Earlier valid certificates of this card that completion revokes, as far as the service has seen them. */
  readonly replaces: readonly CertificateView[];
}

export const planSchema = {
  type: 'object',
  required: ['card', 'termsVersion', 'isTermsAccepted', 'items', 'replaces'],
  additionalProperties: false,
  properties: {
    card: {
      type: 'object',
      required: ['number', 'status'],
      additionalProperties: false,
      properties: {number: {type: 'string'}, status: {type: 'string', enum: CARD_STATUSES}},
    },
    termsVersion: {type: 'string'},
    isTermsAccepted: {type: 'boolean'},
    items: {
      type: 'array',
      description:
        "The plan of the session's card profile, in installation order: the personnummer pair first, so it " +
        'becomes a working login credential, then the HSA-id pair. PIV: free retired slots 82 and 83, then 9A ' +
        'and 9C replaced in place. SITHS EID: RSA-2048 in free key files (by default 03 to 06) beside the old ' +
        "card's 01 and 02.",
      items: {
        type: 'object',
        required: ['id', 'identity', 'purpose', 'keyAlgorithm', 'slot', 'pinPolicy', 'subject'],
        additionalProperties: false,
        properties: {
          id: {type: 'string'},
          identity: {type: 'string', enum: IDENTITIES},
          purpose: {type: 'string', enum: PURPOSES},
          keyAlgorithm: {type: 'string', enum: KEY_ALGORITHMS},
          slot: planSlotSchema,
          pinPolicy: {type: 'string', enum: PIN_POLICIES},
          subject: {
            type: 'object',
            required: ['commonName', 'serialNumber'],
            additionalProperties: false,
            properties: {commonName: {type: 'string'}, serialNumber: {type: 'string'}},
          },
          issued: certificateViewSchema,
        },
      },
    },
    replaces: {type: 'array', items: certificateViewSchema},
  },
} as const;
