import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';

/**
 * Marks a span as failed the way the OpenTelemetry conventions describe and Faultline reads:
 * status ERROR with the error message, an `error.type` attribute and an `exception` event.
 */

/** The attribute key a caller uses to give `error.type` in place of the error's class name. */
const ERROR_TYPE_OVERRIDE_KEY = 'errorType';

/** The `error.type` value the conventions reserve for an error with no better type. */
const OTHER_ERROR_TYPE = '_OTHER';

/**
 * Records `error` on `span`: status ERROR with the error's message, `error.type` (the error's
 * class name, or `attributes.errorType` when given), an `exception` event with
 * `exception.type`, `exception.message` and `exception.stacktrace`, and the other `attributes`
 * on the span. It does not end the span.
 */
export function recordError(span: Span, error: unknown, attributes?: Attributes): void {
  const { errorType: typeOverride, otherAttributes } = splitAttributes(attributes);
  const errorType = typeOverride ?? errorTypeOf(error);
  const message = messageOf(error);
  const stack = error instanceof Error ? error.stack : undefined;

  span.recordException({ name: errorType, message, stack });
  span.setAttributes({ ...otherAttributes, 'error.type': errorType });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Returns the class name of an Error, or `_OTHER` for a thrown value that is not an Error. */
export function errorTypeOf(error: unknown): string {
  if (!(error instanceof Error)) return OTHER_ERROR_TYPE;

  const className = error.constructor.name;
  if (className !== '' && className !== 'Error') return className;
  return error.name === '' ? 'Error' : error.name;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

function splitAttributes(attributes: Attributes | undefined): { errorType: string | undefined; otherAttributes: Attributes } {
  if (attributes === undefined) return { errorType: undefined, otherAttributes: {} };

  const { [ERROR_TYPE_OVERRIDE_KEY]: override, ...otherAttributes } = attributes;
  const errorType = typeof override === 'string' && override !== '' ? override : undefined;
  return { errorType, otherAttributes };
}
