import {StatusMessage} from '@inkjs/ui';
import React from 'react';
import type {Warning} from '../upgrade/state.js';
import {useCatalogue} from './i18n/catalogue-context.js';
import type {Catalogue} from './i18n/catalogue.js';

/** The text of a warning. */
export function warningText(t: Catalogue, warning: Warning): string {
  switch (warning.code) {
    case 'card-already-upgraded':
      return t.warnings['card-already-upgraded'](warning);
    case 'resuming-upgrade':
      return t.warnings['resuming-upgrade'](warning);
    case 'card-reset':
      return t.warnings['card-reset'](warning);
    case 'service-retrying':
      return t.warnings['service-retrying'](warning);
    case 'last-try-not-confirmed':
      return t.warnings['last-try-not-confirmed'](warning);
    case 'not-now':
      return t.warnings['not-now'](warning);
  }
}

/** The latest warning of the engine, if any. */
export function WarningLine({warnings}: {readonly warnings: readonly Warning[]}): React.JSX.Element | null {
  const t = useCatalogue();
  const warning = warnings.at(-1);
  if (warning === undefined) return null;
  return <StatusMessage variant="warning">{warningText(t, warning)}</StatusMessage>;
}
