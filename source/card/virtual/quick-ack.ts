import type {Socket} from 'node:net';

/** Sets TCP_QUICKACK on a connected socket; does nothing where it cannot. */
export type QuickAck = (socket: Socket) => void;

const IPPROTO_TCP = 6;
/** linux/tcp.h. */
const TCP_QUICKACK = 12;

const noQuickAck: QuickAck = () => undefined;
let loading: Promise<QuickAck> | undefined;

/**
 * Linux's TCP_QUICKACK (tcp(7)) through setsockopt, which Node does not offer, called from libc through koffi:
 * the socket then acknowledges what it receives at once instead of up to 40 ms later. Not a lasting setting: the
 * kernel leaves quick-ACK mode by itself, so it is set again on every receive. Resolves to a function that does
 * nothing on other systems or when libc cannot be loaded. The descriptor is Node's internal `_handle.fd`, there
 * on Unix for TCP sockets.
 */
export function loadQuickAck(): Promise<QuickAck> {
  loading ??= (async () => {
    if (process.platform !== 'linux') return noQuickAck;
    try {
      const koffi = (await import('koffi')).default;
      const setsockopt = koffi
        .load('libc.so.6')
        .func('int setsockopt(int fd, int level, int name, const int *value, unsigned int length)');
      return (socket) => {
        const fd = (socket as unknown as {_handle?: {fd?: unknown}})._handle?.fd;
        if (typeof fd === 'number' && fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, [1], 4);
      };
    } catch {
      return noQuickAck;
    }
  })();
  return loading;
}
