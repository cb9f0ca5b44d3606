/**
 * A request the status API cannot serve. The server sends `statusCode` with
 * `{"error": message}` and any `headers` (`Allow` for 405, `WWW-Authenticate` for 401 and 403).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
