import {CliError} from './errors.js';

/**
 * Checks the upgrade service's address (--service, `config set service`) and returns it without a trailing
 * slash. Only https: the connection carries the session and must be encrypted and verified against the service
 * CA. Throws CliError 'service-not-a-url', 'service-not-https' or 'service-has-credentials' (a user name or
 * password in the address would be visible in argv and the settings file; the message leaves them out).
 */
export function checkServiceUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new CliError('service-not-a-url', value, {cause: error});
  }
  if (url.username !== '' || url.password !== '') {
    throw new CliError('service-has-credentials', `${url.protocol}//${url.host}${url.pathname}`);
  }
  if (url.protocol !== 'https:') throw new CliError('service-not-https', value);
  return url.href.replace(/\/$/, '');
}
