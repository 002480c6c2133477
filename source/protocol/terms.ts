import {timestampSchema} from './common.js';

/** The terms of use (GET /v1/terms, POST /v1/terms/acceptance), versioned, in Swedish and English. */
export interface TermsView {
  readonly version: string;
  readonly publishedAt: string;
  readonly text: {readonly sv: string; readonly en: string};
}

export const termsViewSchema = {
  type: 'object',
  required: ['version', 'publishedAt', 'text'],
  additionalProperties: false,
  properties: {
    version: {type: 'string'},
    publishedAt: timestampSchema,
    text: {
      type: 'object',
      required: ['sv', 'en'],
      additionalProperties: false,
      properties: {sv: {type: 'string'}, en: {type: 'string'}},
    },
  },
} as const;

export interface TermsAcceptanceRequest {
  /** The version the person read; must be the current one. */
  readonly version: string;
}

export const termsAcceptanceRequestSchema = {
  type: 'object',
  required: ['version'],
  additionalProperties: false,
  properties: {version: {type: 'string', minLength: 1, maxLength: 64}},
} as const;

export interface TermsAcceptance {
  readonly version: string;
  readonly acceptedAt: string;
}

export const termsAcceptanceSchema = {
  type: 'object',
  required: ['version', 'acceptedAt'],
  additionalProperties: false,
  properties: {version: {type: 'string'}, acceptedAt: timestampSchema},
} as const;
