/** The server rejected the token, or a token is required and none was sent (HTTP 401). */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** The token is valid but lacks the role the request needs (HTTP 403). */
export class ForbiddenError extends Error {
  override readonly name = 'ForbiddenError';
}

/** Any other failed request: a status other than 2xx, or no response at all (`status` 0). */
export class ApiRequestError extends Error {
  override readonly name = 'ApiRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Returns the error's message; for the errors above it includes the server's `error` text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
