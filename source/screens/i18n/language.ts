import type {Catalogue, Language} from './catalogue.js';
import {en} from './en.js';
import {sv} from './sv.js';

export {isLanguage, languageFromLocale} from './locale.js';

/** Every catalogue, by language. */
export const catalogues: Readonly<Record<Language, Catalogue>> = {sv, en};
