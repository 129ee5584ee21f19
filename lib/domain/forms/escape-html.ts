/** Escapes text for HTML content and quoted attribute values: every `& < > " '` as a numeric character reference. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
