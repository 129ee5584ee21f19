/**
 * Just enough MIME (RFC 2045/2046) to read delivery and feedback reports: unfolded header fields, nested
 * multipart bodies, base64 and quoted-printable parts. Pure and total: garbage gives empty results, not throws.
 */
export interface MimePart {
  headers: Map<string, string[]>;
  contentType: string;
  params: Map<string, string>;
  body: string;
  parts: MimePart[];
}

const MAX_DEPTH = 5;
const MAX_PARTS = 50;

/** RFC 5322 header block to lower-cased name → values, continuation lines unfolded. */
export function parseHeaderBlock(block: string): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
    const values = fields.get(name) ?? [];
    values.push(line.slice(colon + 1).trim());
    fields.set(name, values);
  }
  return fields;
}

export function firstHeader(headers: Map<string, string[]>, name: string): string | undefined {
  return headers.get(name.toLowerCase())?.[0];
}

/** `multipart/report; report-type=delivery-status; boundary="x"` → type and parameters. */
export function parseContentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const [type = '', ...rest] = (value ?? 'text/plain').split(';');
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq <= 0) continue;
    const key = param.slice(0, eq).trim().toLowerCase();
    params.set(
      key,
      param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    );
  }
  return { type: type.trim().toLowerCase() || 'text/plain', params };
}

function splitHead(raw: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  if (!match) return { head: raw, body: '' };
  return { head: raw.slice(0, match.index), body: raw.slice(match.index + match[0].length) };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    return body
      .replace(/=\r?\n/g, '')
      .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return body;
}

function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const chunks: string[] = [];
  const lines = body.split(/\r?\n/);
  let current: string[] | null = null;
  for (const line of lines) {
    if (line.startsWith(delimiter)) {
      if (current) chunks.push(current.join('\n'));
      if (line.startsWith(`${delimiter}--`)) return chunks;
      current = [];
    } else current?.push(line);
  }
  if (current) chunks.push(current.join('\n'));
  return chunks;
}

export function parseMime(raw: string, depth = 0): MimePart {
  const { head, body } = splitHead(raw);
  const headers = parseHeaderBlock(head);
  const { type, params } = parseContentType(firstHeader(headers, 'content-type'));
  const part: MimePart = { headers, contentType: type, params, body, parts: [] };
  const boundary = params.get('boundary');
  if (type.startsWith('multipart/') && boundary && depth < MAX_DEPTH) {
    part.parts = splitMultipart(body, boundary)
      .slice(0, MAX_PARTS)
      .map((chunk) => parseMime(chunk, depth + 1));
  } else {
    part.body = decodeBody(body, firstHeader(headers, 'content-transfer-encoding'));
  }
  return part;
}

/** Depth-first list of every leaf and container part. */
export function allParts(root: MimePart): MimePart[] {
  return [root, ...root.parts.flatMap(allParts)];
}

/** A part's body as header groups separated by blank lines (message/delivery-status, feedback-report). */
export function headerGroups(body: string): Map<string, string[]>[] {
  return body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((group) => parseHeaderBlock(group.trim()))
    .filter((fields) => fields.size > 0);
}

/** Finds a header of the returned original message (message/rfc822 or text/rfc822-headers part). */
export function originalHeader(root: MimePart, name: string): string | undefined {
  for (const part of allParts(root)) {
    if (part.contentType === 'message/rfc822' || part.contentType === 'text/rfc822-headers') {
      const value = firstHeader(parseHeaderBlock(splitHead(part.body).head), name);
      if (value) return value;
    }
  }
  return undefined;
}
