import addressparser from 'nodemailer/lib/addressparser';

const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** C0 controls, DEL and C1 controls: none of them belongs in an address (nor in SMTP's RCPT TO). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const isEmailAddress = (value: string | null | undefined): boolean =>
  typeof value === 'string' && value.length <= 254 && !CONTROL.test(value) && ADDRESS.test(value);

/**
 * The single bare address a recipient typed (lower-cased), or null. nodemailer's addressparser decides what the
 * sender's SMTP client would take from the text; it silently drops characters such as NUL, so the text must be
 * exactly one address with no display name, group or comment, and no control character anywhere.
 * NOTE: whatever this returns goes into an SMTP envelope (RCPT TO): no control character, one address.
 */
export function parseRecipientAddress(input: string): string | null {
  const value = input.trim();
  if (CONTROL.test(input) || !isEmailAddress(value)) return null;
  const parsed = addressparser(value, { flatten: true });
  if (parsed.length !== 1 || parsed[0]?.name !== '' || parsed[0]?.address !== value) return null;
  return value.toLowerCase();
}
