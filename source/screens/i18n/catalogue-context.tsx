import React, {createContext, useContext, type ReactNode} from 'react';
import type {Catalogue} from './catalogue.js';
import {sv} from './sv.js';

const CatalogueContext = createContext<Catalogue>(sv);

/** Gives every screen below the catalogue of the chosen language. */
export function CatalogueProvider({
  catalogue,
  children,
}: {
  readonly catalogue: Catalogue;
  readonly children: ReactNode;
}): React.JSX.Element {
  return <CatalogueContext.Provider value={catalogue}>{children}</CatalogueContext.Provider>;
}

/** The catalogue of the chosen language (Swedish when none was provided). */
export function useCatalogue(): Catalogue {
  return useContext(CatalogueContext);
}
