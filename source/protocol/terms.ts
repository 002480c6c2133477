import {Type, type Static} from 'typebox';
import {message, timestampSchema} from './common.js';

/** The terms of use (GET /v1/terms, POST /v1/terms/acceptance), versioned, in Swedish and English. */
export const termsViewSchema = message({
  version: Type.String(),
  publishedAt: timestampSchema,
  text: Type.Readonly(message({sv: Type.Readonly(Type.String()), en: Type.Readonly(Type.String())})),
});
export type TermsView = Readonly<Static<typeof termsViewSchema>>;

export const termsAcceptanceRequestSchema = message({
  /** The version the person read; must be the current one. */
  version: Type.String({minLength: 1, maxLength: 64}),
});
export type TermsAcceptanceRequest = Readonly<Static<typeof termsAcceptanceRequestSchema>>;

export const termsAcceptanceSchema = message({version: Type.String(), acceptedAt: timestampSchema});
export type TermsAcceptance = Readonly<Static<typeof termsAcceptanceSchema>>;
