/** A host and port to listen on or connect to. */
export interface HostPort {
  host: string;
  port: number;
}

/** Splits `host:port` or `[v6]:port`; the caller has validated the shape. */
export function splitHostPort(endpoint: string): HostPort {
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(endpoint.slice(colon + 1)) };
}

/** Joins a host and port, bracketing IPv6 hosts. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
