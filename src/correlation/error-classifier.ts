import { GRPC_STATUS_NAMES } from '../model/signals.js';
import type { SpanRecord } from '../model/span.js';
import type { ErrorKindRule } from './config.js';

/**
 * The error kinds the built-in classifier assigns. Config rules may add any other
 * snake_case kind (for example `model_failure`).
 */
export type BuiltInErrorKind =
  | 'timeout'
  | 'cancelled'
  | 'unavailable'
  | 'connection_refused'
  | 'rate_limited'
  | 'resource_exhausted'
  | 'unauthenticated'
  | 'permission_denied'
  | 'invalid_request'
  | 'not_found'
  | 'internal';

/** gRPC code to kind; codes missing here are `internal`. */
const GRPC_KINDS: ReadonlyMap<number, BuiltInErrorKind> = new Map([
  [1, 'cancelled'],
  [3, 'invalid_request'],
  [4, 'timeout'],
  [5, 'not_found'],
  [7, 'permission_denied'],
  [8, 'resource_exhausted'],
  [9, 'invalid_request'],
  [11, 'invalid_request'],
  [14, 'unavailable'],
  [16, 'unauthenticated'],
] as const);

const GRPC_RESOURCE_EXHAUSTED = 8;

/** HTTP status to kind; other 4xx are `invalid_request` and other 5xx `internal`. */
const HTTP_KINDS: ReadonlyMap<number, BuiltInErrorKind> = new Map([
  [400, 'invalid_request'],
  [401, 'unauthenticated'],
  [403, 'permission_denied'],
  [404, 'not_found'],
  [408, 'timeout'],
  [422, 'invalid_request'],
  [429, 'rate_limited'],
  [499, 'cancelled'],
  [502, 'unavailable'],
  [503, 'unavailable'],
  [504, 'timeout'],
] as const);

/**
 * Patterns over `error.type`, the exception type and message, and the status message, tried
 * in order. Node error codes (ECONNREFUSED) and common exception names come first.
 */
const TEXT_KINDS: readonly (readonly [RegExp, BuiltInErrorKind])[] = [
  [/ECONNREFUSED|connection refused/i, 'connection_refused'],
  [/ETIMEDOUT|ESOCKETTIMEDOUT|TimeoutError|time[ds]? ?out|deadline exceeded|DEADLINE_EXCEEDED/i, 'timeout'],
  [/out of memory|OutOfMemory|\bOOM\b|ENOMEM|\bOOMKilled\b/i, 'resource_exhausted'],
  [/rate.?limit|too many requests|quota exceeded/i, 'rate_limited'],
  [/AbortError|ECANCELED|\bcancell?ed\b/i, 'cancelled'],
  [/ECONNRESET|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|socket hang up|\bunavailable\b/i, 'unavailable'],
  [/unauthenticated|unauthori[sz]ed|invalid token|jwt expired/i, 'unauthenticated'],
  [/permission denied|forbidden|EACCES/i, 'permission_denied'],
  [/invalid (argument|request|input)|validation ?error|bad request/i, 'invalid_request'],
  [/not found|ENOENT/i, 'not_found'],
];

/**
 * Text kinds precise enough to replace a generic status code: gRPC UNAVAILABLE with the
 * message "connect ECONNREFUSED" is `connection_refused`, HTTP 500 with an out-of-memory
 * exception is `resource_exhausted`.
 */
const REFINING_TEXT_KINDS: ReadonlySet<BuiltInErrorKind> = new Set([
  'connection_refused',
  'timeout',
  'resource_exhausted',
  'rate_limited',
]);

const GENERIC_CODE_KINDS: ReadonlySet<BuiltInErrorKind> = new Set(['internal', 'unavailable']);

/**
 * Characters of a message that `message_pattern` rules test. Messages come from telemetry, so
 * the bound keeps a slow pattern from stalling the pipeline on a long message.
 */
export const MAX_MATCHED_MESSAGE_LENGTH = 1024;

/** Compiled `message_pattern`s, kept as long as the rule objects live; matched case-insensitively. */
const compiledPatterns = new WeakMap<ErrorKindRule, RegExp>();

/**
 * Classifies the error of a failed span: the first config rule whose conditions all match,
 * otherwise the built-in kind.
 */
export function classifyErrorKind(span: SpanRecord, rules: readonly ErrorKindRule[]): string {
  for (const rule of rules) {
    if (matchesRule(span, rule)) return rule.kind;
  }
  return classifyBuiltInErrorKind(span);
}

/**
 * Classifies the error of a failed span from its status codes, `error.type`, exception and
 * status message. A specific code wins; a generic one (INTERNAL, UNAVAILABLE, HTTP 5xx) gives
 * way to a precise text match; with no signal the kind is `internal`.
 */
export function classifyBuiltInErrorKind(span: SpanRecord): BuiltInErrorKind {
  const codeKind = kindFromCodes(span);
  if (codeKind !== undefined && !GENERIC_CODE_KINDS.has(codeKind)) return codeKind;

  const textKind = kindFromText(span);
  if (codeKind === undefined) return textKind ?? 'internal';
  if (textKind !== undefined && REFINING_TEXT_KINDS.has(textKind)) return textKind;
  return codeKind;
}

function matchesRule(span: SpanRecord, rule: ErrorKindRule): boolean {
  if (rule.system !== undefined && rule.system !== span.resource.system) return false;
  if (rule.service !== undefined && rule.service !== span.resource.service) return false;

  const signals = span.signals;
  const exception = signals.exception;
  if (rule.error_type !== undefined && rule.error_type !== signals.errorType && rule.error_type !== exception?.type) {
    return false;
  }

  if (rule.message_pattern === undefined) return true;
  const pattern = compiledPattern(rule, rule.message_pattern);
  const statusMessage = signals.statusMessage.slice(0, MAX_MATCHED_MESSAGE_LENGTH);
  return pattern.test(statusMessage) || (exception !== undefined && pattern.test(exception.message.slice(0, MAX_MATCHED_MESSAGE_LENGTH)));
}

function compiledPattern(rule: ErrorKindRule, source: string): RegExp {
  let pattern = compiledPatterns.get(rule);
  if (pattern === undefined) {
    pattern = new RegExp(source, 'i');
    compiledPatterns.set(rule, pattern);
  }
  return pattern;
}

function kindFromCodes(span: SpanRecord): BuiltInErrorKind | undefined {
  const signals = span.signals;
  const grpcCode = signals.grpcStatusCode > 0 ? signals.grpcStatusCode : grpcCodeOfErrorType(signals.errorType);
  if (grpcCode > 0) return kindFromGrpcCode(grpcCode, span);

  const httpStatus = signals.httpStatusCode >= 400 ? signals.httpStatusCode : httpStatusOfErrorType(signals.errorType);
  if (httpStatus >= 400) return kindFromHttpStatus(httpStatus);
  return undefined;
}

function kindFromGrpcCode(code: number, span: SpanRecord): BuiltInErrorKind {
  if (code === GRPC_RESOURCE_EXHAUSTED) {
    return kindFromText(span) === 'rate_limited' ? 'rate_limited' : 'resource_exhausted';
  }
  return GRPC_KINDS.get(code) ?? 'internal';
}

function kindFromHttpStatus(status: number): BuiltInErrorKind {
  const kind = HTTP_KINDS.get(status);
  if (kind !== undefined) return kind;
  return status < 500 ? 'invalid_request' : 'internal';
}

/** Instrumentations set `error.type` to the gRPC status name when they have nothing better. */
function grpcCodeOfErrorType(errorType: string): number {
  if (errorType === '' || errorType === 'OK') return -1;
  return (GRPC_STATUS_NAMES as readonly string[]).indexOf(errorType);
}

/** HTTP instrumentations set `error.type` to the status code, for example `"503"`. */
function httpStatusOfErrorType(errorType: string): number {
  return /^[1-5]\d\d$/.test(errorType) ? Number(errorType) : 0;
}

function kindFromText(span: SpanRecord): BuiltInErrorKind | undefined {
  const signals = span.signals;
  const texts = [signals.errorType, signals.exception?.type ?? '', signals.exception?.message ?? '', signals.statusMessage];
  for (const [pattern, kind] of TEXT_KINDS) {
    if (texts.some((text) => text !== '' && pattern.test(text))) return kind;
  }
  return undefined;
}
