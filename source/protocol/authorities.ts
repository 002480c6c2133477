import {Type, type Static} from 'typebox';
import {IDENTITIES, message, readonlyArray, stringEnum} from './common.js';

/**
 * The issuing CAs (GET /v1/authorities): public, unauthenticated. For each identity the service issues for, the
 * chain of CA certificates from its issuing CA up to, not including, the root; and the root. A client does not
 * take the root from here: it checks each chain against the root it was configured with (--service-ca), and only
 * then uses the issuing CAs to tell certificates the service issued.
 */
export const issuingAuthoritiesSchema = message({
  chains: readonlyArray(
    Type.Readonly(
      message({
        identity: stringEnum(IDENTITIES),
        /** CA certificates, DER base64, the issuing CA first, without the root. */
        chain: readonlyArray(Type.String(), {
          minItems: 1,
          description: 'CA certificates, DER base64, the issuing CA first, without the root.',
        }),
      }),
    ),
  ),
  /** The root the chains end at, DER base64 (informative: clients trust their own copy). */
  root: Type.String({description: 'The root the chains end at, DER base64.'}),
});
export type IssuingAuthorities = Readonly<Static<typeof issuingAuthoritiesSchema>>;
