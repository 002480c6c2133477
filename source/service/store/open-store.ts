import {openSqliteStore} from './sqlite-store.js';
import {isPostgresqlLocation, type Store} from './store.js';

/**
 * Opens the store at `location`: a postgresql:// URL (PostgreSQL, `password` when the server needs one), else a
 * SQLite path or ':memory:'. Throws ServiceSetupError 'store-failed'.
 */
export async function openStore(location: string, options: {password?: string} = {}): Promise<Store> {
  if (isPostgresqlLocation(location)) {
    // Loaded only for PostgreSQL: the demo and a kiosk never parse node-postgres.
    const {openPostgresqlStore} = await import('./postgresql-store.js');
    return openPostgresqlStore(location, options.password);
  }
  return openSqliteStore(location);
}
