import {
  base64Schema,
  cardNumberSchema,
  IDENTITIES,
  MAX_DER_BYTES,
  planSlotSchema,
  PURPOSES,
  REVOCATION_REASONS,
  serialSchema,
  timestampSchema,
  type Identity,
  type PlanSlot,
  type Purpose,
  type RevocationReason,
} from './common.js';

/**
 * Certificates: issuance (POST /v1/certificates), the person's list (GET /v1/certificates), one certificate
 * (GET /v1/certificates/{serial}), revocation (POST /v1/certificates/{serial}/revocation), the re-fetch of
 * this card's certificates (GET /v1/card/certificates), the declaration of the certificates on the card before
 * the upgrade writes anything (POST /v1/card/certificates/declaration) and completion (POST /v1/completion).
 */

/** 'valid' = neither revoked nor expired. */
export type CertificateStatus = 'valid' | 'revoked' | 'expired';

/** A certificate the service knows: one it issued ('service'), or an earlier one seen on the card ('previous'). */
export interface CertificateView {
  readonly serial: string;
  readonly identity: Identity;
  readonly purpose: Purpose;
  readonly origin: 'service' | 'previous';
  readonly cardNumber: string;
  /** The plan item it was issued for (service certificates only). */
  readonly itemId?: string;
  readonly status: CertificateStatus;
  /** The card reported it installed (completion), or it was on the card when seen. */
  readonly installed: boolean;
  readonly issuer: string;
  readonly subject: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly revokedAt?: string;
  readonly revocationReason?: RevocationReason;
  /** DER, base64. */
  readonly certificate: string;
}

export const certificateViewSchema = {
  type: 'object',
  required: [
    'serial',
    'identity',
    'purpose',
    'origin',
    'cardNumber',
    'status',
    'installed',
    'issuer',
    'subject',
    'notBefore',
    'notAfter',
    'certificate',
  ],
  additionalProperties: false,
  properties: {
    serial: serialSchema,
    identity: {type: 'string', enum: IDENTITIES},
    purpose: {type: 'string', enum: PURPOSES},
    origin: {
      type: 'string',
      enum: ['service', 'previous'],
      description:
        'service: issued by this service; previous: an earlier certificate seen at login or declared on the card.',
    },
    cardNumber: {type: 'string'},
    itemId: {type: 'string'},
    status: {type: 'string', enum: ['valid', 'revoked', 'expired']},
    installed: {
      type: 'boolean',
      description: 'Reported on the card (completion) or seen on it (login, declaration).',
    },
    issuer: {type: 'string', description: 'Issuer distinguished name (RFC 4514 style).'},
    subject: {type: 'string', description: 'Subject distinguished name (RFC 4514 style).'},
    notBefore: timestampSchema,
    notAfter: timestampSchema,
    revokedAt: timestampSchema,
    revocationReason: {type: 'string', enum: REVOCATION_REASONS},
    certificate: {type: 'string', description: 'The certificate, DER, base64.'},
  },
} as const;

export interface IssuanceRequest {
  /** The plan item the request is for. */
  readonly itemId: string;
  /** PKCS#10 certification request, DER, base64, signed by the new key on the card. */
  readonly request: string;
}

export const issuanceRequestSchema = {
  type: 'object',
  required: ['itemId', 'request'],
  additionalProperties: false,
  properties: {
    itemId: {type: 'string', pattern: '^[a-z0-9-]{1,64}$'},
    request: base64Schema(MAX_DER_BYTES, 'PKCS#10 certification request (DER), signed by the new key.'),
  },
} as const;

/** A certificate with its chain: `chain` holds the intermediates (issuing CA first), `root` the trust anchor. */
export interface CertificateWithChain {
  readonly certificate: CertificateView;
  /** Intermediate CA certificates, DER base64, nearest first, without the root. */
  readonly chain: readonly string[];
  /** The root (trust anchor) the chain ends at, DER base64. */
  readonly root: string;
}

export const certificateWithChainSchema = {
  type: 'object',
  required: ['certificate', 'chain', 'root'],
  additionalProperties: false,
  properties: {
    certificate: certificateViewSchema,
    chain: {type: 'array', items: {type: 'string'}, description: 'Intermediates, DER base64, nearest first.'},
    root: {type: 'string', description: 'The trust anchor, DER base64.'},
  },
} as const;

export interface CertificateList {
  readonly certificates: readonly CertificateView[];
}

export const certificateListSchema = {
  type: 'object',
  required: ['certificates'],
  additionalProperties: false,
  properties: {certificates: {type: 'array', items: certificateViewSchema}},
} as const;

/** This card's valid service certificates, each with the slot the plan puts it in. */
export interface CardCertificates {
  readonly certificates: readonly (CertificateWithChain & {readonly slot: PlanSlot})[];
}

export const cardCertificatesSchema = {
  type: 'object',
  required: ['certificates'],
  additionalProperties: false,
  properties: {
    certificates: {
      type: 'array',
      items: {
        type: 'object',
        required: ['certificate', 'chain', 'root', 'slot'],
        additionalProperties: false,
        properties: {...certificateWithChainSchema.properties, slot: planSlotSchema},
      },
    },
  },
} as const;

export const certificateParamsSchema = {
  type: 'object',
  required: ['serial'],
  additionalProperties: false,
  properties: {serial: serialSchema},
} as const;

export interface RevocationRequest {
  readonly reason: RevocationReason;
}

export const revocationRequestSchema = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: {reason: {type: 'string', enum: REVOCATION_REASONS}},
} as const;

/**
 * Before the upgrade writes anything to the card, the client declares every certificate of the logged-in person
 * on it (except the plan items' current ones). The service records each one it had not seen against the card, so
 * completion revokes it even when the run that overwrote it never finishes. Declaring again changes nothing.
 */
export interface DeclarationRequest {
  /** The person's certificates on the card, DER base64. */
  readonly certificates: readonly string[];
}

/** PIV has 25 key slots (9A, 9C, 9D, 9E and 20 retired ones): room for every certificate one card can hold. */
const MAX_CARD_CERTIFICATES = 32;

export const declarationRequestSchema = {
  type: 'object',
  required: ['certificates'],
  additionalProperties: false,
  properties: {
    certificates: {
      type: 'array',
      items: base64Schema(MAX_DER_BYTES, 'A certificate of the logged-in person on the card (DER).'),
      maxItems: MAX_CARD_CERTIFICATES,
    },
  },
} as const;

export interface DeclarationResponse {
  /** Every earlier valid certificate of this card that completion revokes (as the plan's `replaces`, now). */
  readonly replaces: readonly CertificateView[];
}

export const declarationResponseSchema = {
  type: 'object',
  required: ['replaces'],
  additionalProperties: false,
  properties: {replaces: {type: 'array', items: certificateViewSchema}},
} as const;

export interface CompletionRequest {
  /** Serials (hex) of the service certificates now installed on the card, one per plan item. */
  readonly installed: readonly string[];
}

export const completionRequestSchema = {
  type: 'object',
  required: ['installed'],
  additionalProperties: false,
  properties: {
    installed: {type: 'array', items: serialSchema, minItems: 1, maxItems: 8, uniqueItems: true},
  },
} as const;

export interface CompletionResponse {
  readonly completedAt: string;
  readonly cardNumber: string;
  readonly installed: readonly CertificateView[];
  /** The earlier certificates revoked now (reason superseded). */
  readonly revoked: readonly CertificateView[];
}

export const completionResponseSchema = {
  type: 'object',
  required: ['completedAt', 'cardNumber', 'installed', 'revoked'],
  additionalProperties: false,
  properties: {
    completedAt: timestampSchema,
    cardNumber: cardNumberSchema,
    installed: {type: 'array', items: certificateViewSchema},
    revoked: {type: 'array', items: certificateViewSchema},
  },
} as const;
