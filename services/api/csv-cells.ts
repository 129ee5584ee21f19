import { stringify } from 'csv-stringify/sync';

/** What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): = + - @, tab and carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell that starts like a formula gets a leading single quote, which spreadsheets show as text
 * (spreadsheets are code: docs/security.md#api-input-and-credentials). Text in exports comes from events: reasons,
 * error codes, bounce diagnostics written by remote mail servers, so any of it may be hostile.
 */
export function spreadsheetText(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * The one CSV writer of the API. Only text cells pass through spreadsheetText (csv-stringify's string cast):
 * numbers are written as numbers, so a negative count stays -3, while the text "-3" becomes '-3.
 */
export function csvText(rows: (string | number)[][]): string {
  return stringify(rows, { cast: { string: spreadsheetText } });
}
