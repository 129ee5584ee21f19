import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { NOT_CHECKED, type MessageAuthentication } from './reply-authentication';

/** The header block a message may have; replies carry a few kB (a long References chain included). */
export const MAX_HEADER_BYTES = 256 * 1024;

/** What is kept of an inbound message: its header block, the digest of its bytes, and who it is from. */
export interface ScannedMessage {
  /** the bytes up to and including the blank line that ends the headers (the whole message when it has no body); null when that is over MAX_HEADER_BYTES */
  header: Buffer | null;
  /** sha256 hex of every byte: the reply's identity when it has no Message-ID */
  digest: string;
  auth: MessageAuthentication;
}

export type ScanOutcome = { kind: 'scanned'; message: ScannedMessage } | { kind: 'too_large' };

/** The end of the header block: CRLF as SMTP carries it, or bare LF as some webhook relays post it. */
function headerEnd(bytes: Buffer, from: number): number {
  const crlf = bytes.indexOf('\r\n\r\n', from);
  const lf = bytes.indexOf('\n\n', from);
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  return lf >= 0 ? lf + 2 : -1;
}

/**
 * Reads a message once, as it arrives: counts its bytes and stops at `maxBytes` (resolving too_large at once:
 * the caller answers and drops the connection, the rest is never read), keeps only the header block, hashes
 * every byte and streams them through `authenticate` (mailauth needs the body only for DKIM's body hash). So a
 * message takes at most MAX_HEADER_BYTES of memory however large it is, and nothing is buffered whole.
 */
export function scanMessage(
  source: Readable,
  options: { maxBytes: number; authenticate?: (message: Readable) => Promise<MessageAuthentication> },
): Promise<ScanOutcome> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const through = new PassThrough();
    // a check that gives up leaves the rest to flow away, so the message is still read to its end (and hashed)
    const gaveUp = (): MessageAuthentication => (through.resume(), NOT_CHECKED);
    through.on('error', () => undefined);
    const checked = options.authenticate ? options.authenticate(through).catch(gaveUp) : Promise.resolve(gaveUp());
    const head: Buffer[] = [];
    let headBytes = 0;
    let header: Buffer | null | undefined;
    let bytes = 0;
    const onData = (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        source.off('data', onData);
        source.resume();
        through.destroy(new Error('message over the size limit'));
        return resolve({ kind: 'too_large' });
      }
      hash.update(chunk);
      if (header === undefined) header = takeHeader(head, chunk, (headBytes += chunk.length));
      if (!through.write(chunk)) {
        source.pause();
        through.once('drain', () => source.resume());
      }
    };
    source.on('data', onData);
    source.once('error', (error: Error) => {
      through.destroy(error);
      reject(error);
    });
    source.once('end', () => {
      if (bytes > options.maxBytes) return;
      through.end();
      if (header === undefined) header = headBytes <= MAX_HEADER_BYTES ? Buffer.concat(head) : null;
      const digest = hash.digest('hex');
      void checked.then((auth) => resolve({ kind: 'scanned', message: { header: header ?? null, digest, auth } }));
    });
  });
}

/** The header block once the blank line that ends it has arrived, null once it is too long, else undefined (keep reading). */
function takeHeader(head: Buffer[], chunk: Buffer, headBytes: number): Buffer | null | undefined {
  const before = headBytes - chunk.length;
  head.push(chunk);
  const sofar = Buffer.concat(head);
  head.splice(0, head.length, sofar);
  const end = headerEnd(sofar, Math.max(0, before - 3));
  if (end >= 0 && end <= MAX_HEADER_BYTES) return sofar.subarray(0, end);
  return end >= 0 || headBytes > MAX_HEADER_BYTES ? null : undefined;
}
