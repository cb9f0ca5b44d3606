/** A `host:port` address split into the parts `net` and grpc-js take. */
export interface Endpoint {
  /** Host name or IP address; IPv6 without brackets. `0.0.0.0` when the text left it empty. */
  host: string;
  /** TCP port; 0 picks a free port. */
  port: number;
}

const ENDPOINT = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/;
const MAX_PORT = 65_535;

/** Parses `host:port`, `[ipv6]:port` or `:port`. Returns undefined for any other text. */
export function parseEndpoint(text: string): Endpoint | undefined {
  const match = ENDPOINT.exec(text);
  if (match === null) return undefined;
  const [, ipv6, host, portText] = match;
  const port = Number(portText);
  if (!Number.isInteger(port) || port > MAX_PORT) return undefined;
  return { host: ipv6 ?? (host === undefined || host === '' ? '0.0.0.0' : host), port };
}

/** Joins a host and port, bracketing IPv6 hosts. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
