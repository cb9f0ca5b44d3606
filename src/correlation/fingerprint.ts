import { createHash } from 'node:crypto';

/** Hex characters kept from the SHA-1 digest: 64 bits, ample for grouping within a deployment. */
const FINGERPRINT_HEX_LENGTH = 16;

/** Messages are cut to this many characters before normalizing, so huge messages cost little. */
const MAX_MESSAGE_LENGTH = 512;

/** The parts of a fault that a fingerprint hashes; equal inputs after normalizing give equal fingerprints. */
export interface FingerprintInput {
  service: string;
  operation: string;
  /** `error.type`, else the exception type, else the error kind. */
  errorType: string;
  /** The exception message, else the status message; empty when neither is set. */
  message: string;
}

/**
 * Replacements applied in order. Quoted values go first so their contents are not split
 * further; UUIDs before hex runs and addresses before bare numbers, so each becomes one
 * placeholder.
 */
const NORMALIZATIONS: readonly (readonly [RegExp, string])[] = [
  [/"[^"]*"|'[^']*'|`[^`]*`/g, '<value>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\[[0-9a-f:.]*:[0-9a-f:.]*\](?::\d+)?/gi, '<address>'],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<address>'],
  [/\b(?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*:\d{1,5}\b/gi, '<address>'],
  [/\b0x[0-9a-f]+\b/gi, '<id>'],
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<id>'],
  [/\b\d+(?:\.\d+)?\b/g, '<n>'],
  [/\s+/g, ' '],
];

/**
 * Replaces the parts of an error message that vary between occurrences of one fault: quoted
 * values, UUIDs, network addresses (IPv4, bracketed IPv6, `host:port`), hex ids and numbers.
 */
export function normalizeErrorMessage(message: string): string {
  let normalized = message.length > MAX_MESSAGE_LENGTH ? message.slice(0, MAX_MESSAGE_LENGTH) : message;
  for (const [pattern, placeholder] of NORMALIZATIONS) {
    normalized = normalized.replace(pattern, placeholder);
  }
  return normalized.trim();
}

/**
 * Computes the fingerprint of a fault: the first 16 hex characters of the SHA-1 of the
 * service, the normalized operation, the error type and the normalized message. The operation
 * is normalized like the message because span names sometimes carry ids (`GET /users/123`).
 */
export function computeFingerprint(input: FingerprintInput): string {
  const parts = [input.service, normalizeErrorMessage(input.operation), input.errorType, normalizeErrorMessage(input.message)];
  return createHash('sha1').update(parts.join('\u001f')).digest('hex').slice(0, FINGERPRINT_HEX_LENGTH);
}
