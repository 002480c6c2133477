import {parse} from 'pg-connection-string';

/** Stands for an empty host (postgresql://user@/db?host=/dir) while the URL is parsed; WHATWG URL wants one. */
const EMPTY_HOST = 'empty-host.invalid';

/** Whether a postgresql:// URL carries a password (user:password@, or ?password=). */
export function hasPassword(url: string): boolean {
  try {
    return Boolean(parse(url).password);
  } catch {
    return false;
  }
}

/** The URL as messages and logs may show it: without a password in either place. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url.replace(/^(postgres(?:ql)?:\/\/(?:[^@/]*@)?)\//i, `$1${EMPTY_HOST}/`));
    parsed.password = '';
    parsed.searchParams.delete('password');
    return parsed.toString().replace(EMPTY_HOST, '');
  } catch {
    return 'postgresql://(a URL that does not parse)';
  }
}
