import {Type, type Static} from 'typebox';
import {
  base64Schema,
  cardNumberSchema,
  IDENTITIES,
  MAX_DER_BYTES,
  message,
  planSlotSchema,
  PURPOSES,
  readonlyArray,
  REVOCATION_REASONS,
  serialSchema,
  stringEnum,
  timestampSchema,
} from './common.js';

/**
 * Certificates: issuance (POST /v1/certificates), the person's list (GET /v1/certificates), one certificate
 * (GET /v1/certificates/{serial}), revocation (POST /v1/certificates/{serial}/revocation), the re-fetch of
 * this card's certificates (GET /v1/card/certificates), the declaration of the certificates on the card before
 * the upgrade writes anything (POST /v1/card/certificates/declaration) and completion (POST /v1/completion).
 */

/** 'valid' = neither revoked nor expired. */
export const CERTIFICATE_STATUSES = ['valid', 'revoked', 'expired'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

/** A certificate the service knows: one it issued ('service'), or an earlier one seen on the card ('previous'). */
export const certificateViewSchema = message({
  serial: serialSchema,
  identity: stringEnum(IDENTITIES),
  purpose: stringEnum(PURPOSES),
  origin: stringEnum(['service', 'previous'], {
    description:
      'service: issued by this service; previous: an earlier certificate seen at login or declared on the card.',
  }),
  cardNumber: Type.String(),
  /** The plan item it was issued for (service certificates only). */
  itemId: Type.Optional(Type.String()),
  status: stringEnum(CERTIFICATE_STATUSES),
  /** The card reported it installed (completion), or it was on the card when seen. */
  installed: Type.Boolean({
    description: 'Reported on the card (completion) or seen on it (login, declaration).',
  }),
  issuer: Type.String({description: 'Issuer distinguished name (RFC 4514 style).'}),
  subject: Type.String({description: 'Subject distinguished name (RFC 4514 style).'}),
  notBefore: timestampSchema,
  notAfter: timestampSchema,
  revokedAt: Type.Optional(timestampSchema),
  revocationReason: Type.Optional(stringEnum(REVOCATION_REASONS)),
  /** DER, base64. */
  certificate: Type.String({description: 'The certificate, DER, base64.'}),
});
export type CertificateView = Readonly<Static<typeof certificateViewSchema>>;

export const issuanceRequestSchema = message({
  /** The plan item the request is for. */
  itemId: Type.String({pattern: '^[a-z0-9-]{1,64}$'}),
  /** PKCS#10 certification request, DER, base64, signed by the new key on the card. */
  request: base64Schema(MAX_DER_BYTES, 'PKCS#10 certification request (DER), signed by the new key.'),
  /**
   * PIV key attestation: the card's proof that it generated the key (required for PIV cards unless the service
   * turns it off; the SITHS EID card has none).
   */
  attestation: Type.Optional(
    message({
      /** The certificate ATTEST (INS F9, P1 = the item's slot) answered, DER base64. */
      certificate: base64Schema(MAX_DER_BYTES, 'The attestation certificate of the slot (DER).'),
      /** The card's F9 attestation certificate (object 5FFF01), DER base64. */
      intermediate: base64Schema(MAX_DER_BYTES, 'The F9 attestation certificate (DER), its issuer.'),
    }),
  ),
});
export type IssuanceRequest = Readonly<Static<typeof issuanceRequestSchema>>;

const certificateWithChainProperties = {
  certificate: certificateViewSchema,
  /** Intermediate CA certificates, DER base64, nearest first, without the root. */
  chain: readonlyArray(Type.String(), {description: 'Intermediates, DER base64, nearest first.'}),
  /** The root (trust anchor) the chain ends at, DER base64. */
  root: Type.String({description: 'The trust anchor, DER base64.'}),
};

/** A certificate with its chain: `chain` holds the intermediates (issuing CA first), `root` the trust anchor. */
export const certificateWithChainSchema = message(certificateWithChainProperties);
export type CertificateWithChain = Readonly<Static<typeof certificateWithChainSchema>>;

export const certificateListSchema = message({certificates: readonlyArray(certificateViewSchema)});
export type CertificateList = Readonly<Static<typeof certificateListSchema>>;

/** This card's valid service certificates, each with the slot the plan puts it in. */
export const cardCertificatesSchema = message({
  certificates: readonlyArray(
    Type.Readonly(message({...certificateWithChainProperties, slot: planSlotSchema})),
  ),
});
export type CardCertificates = Readonly<Static<typeof cardCertificatesSchema>>;

export const certificateParamsSchema = message({serial: serialSchema});

export const revocationRequestSchema = message({reason: stringEnum(REVOCATION_REASONS)});
export type RevocationRequest = Readonly<Static<typeof revocationRequestSchema>>;

/** PIV has 25 key slots (9A, 9C, 9D, 9E and 20 retired ones): room for every certificate one card can hold. */
const MAX_CARD_CERTIFICATES = 32;

/**
 * Before the upgrade writes anything to the card, the client declares every certificate of the logged-in person
 * on it (except the plan items' current ones). The service records each one it had not seen against the card, so
 * completion revokes it even when the run that overwrote it never finishes. Declaring again changes nothing.
 */
export const declarationRequestSchema = message({
  /** The person's certificates on the card, DER base64. */
  certificates: readonlyArray(
    base64Schema(MAX_DER_BYTES, 'A certificate of the logged-in person on the card (DER).'),
    {maxItems: MAX_CARD_CERTIFICATES},
  ),
});
export type DeclarationRequest = Readonly<Static<typeof declarationRequestSchema>>;

export const declarationResponseSchema = message({
  /** Every earlier valid certificate of this card that completion revokes (as the plan's `replaces`, now). */
  replaces: readonlyArray(certificateViewSchema),
});
export type DeclarationResponse = Readonly<Static<typeof declarationResponseSchema>>;

export const completionRequestSchema = message({
  /** Serials (hex) of the service certificates now installed on the card, one per plan item. */
  installed: readonlyArray(serialSchema, {minItems: 1, maxItems: 8, uniqueItems: true}),
});
export type CompletionRequest = Readonly<Static<typeof completionRequestSchema>>;

export const completionResponseSchema = message({
  completedAt: timestampSchema,
  cardNumber: cardNumberSchema,
  installed: readonlyArray(certificateViewSchema),
  /** The earlier certificates revoked now (reason superseded). */
  revoked: readonlyArray(certificateViewSchema),
});
export type CompletionResponse = Readonly<Static<typeof completionResponseSchema>>;
