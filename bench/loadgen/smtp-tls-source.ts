import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

/**
 * The TLS send bench's baseline: the least a client can do to hand `messages` pre-built messages of `size` bytes to
 * an SMTP relay over STARTTLS on `sessions` connections — no rendering, signing, ledger or events; MAIL, RCPT and
 * DATA pipelined (RFC 2920), the message in one write. postfix's smtp-source has no STARTTLS (docs/sender.md).
 */
export interface RawSource {
  host: string;
  port: number;
  sessions: number;
  messages: number;
  size: number;
  ca: string;
  /** false: plain SMTP, no STARTTLS */
  tls: boolean;
}

/** Reads SMTP replies off a socket, one (possibly multi-line) reply per `next()`. */
class Replies {
  private buffer = '';
  private readonly waiting: ((reply: string) => void)[] = [];
  private readonly ready: string[] = [];
  private lines: string[] = [];

  attach(socket: Socket | TLSSocket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.feed(chunk));
  }

  next(): Promise<string> {
    const reply = this.ready.shift();
    return reply !== undefined ? Promise.resolve(reply) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\r\n')) >= 0) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.lines.push(line);
      if (line[3] === '-') continue;
      const reply = this.lines.join('\n');
      this.lines = [];
      const resolve = this.waiting.shift();
      if (resolve) resolve(reply);
      else this.ready.push(reply);
    }
  }
}

async function expectReply(replies: Replies, code: string): Promise<void> {
  const reply = await replies.next();
  if (!reply.startsWith(code)) throw new Error(`expected ${code}, got: ${reply}`);
}

async function session(source: RawSource, body: Buffer, count: number): Promise<void> {
  const plain = connect(source.port, source.host);
  let socket: Socket | TLSSocket = plain;
  let replies = new Replies();
  replies.attach(plain);
  await expectReply(replies, '220');
  plain.write('EHLO bench.localhost\r\n');
  await expectReply(replies, '250');
  if (source.tls) {
    plain.write('STARTTLS\r\n');
    await expectReply(replies, '220');
    plain.removeAllListeners('data');
    socket = tlsConnect({ socket: plain, ca: source.ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    replies = new Replies();
    replies.attach(socket);
    socket.write('EHLO bench.localhost\r\n');
    await expectReply(replies, '250');
  }
  for (let i = 0; i < count; i += 1) {
    socket.write(`MAIL FROM:<news@cairn.example>\r\nRCPT TO:<r${i}@example.com>\r\nDATA\r\n`);
    await expectReply(replies, '250');
    await expectReply(replies, '250');
    await expectReply(replies, '354');
    socket.write(body);
    await expectReply(replies, '250');
  }
  socket.write('QUIT\r\n');
  socket.end();
}

/** A message of exactly `size` bytes with the terminating dot: headers, then 76-character lines of text. */
function messageOf(size: number): Buffer {
  const head = 'From: news@cairn.example\r\nTo: r@example.com\r\nSubject: baseline\r\n\r\n';
  const line = `${'x'.repeat(76)}\r\n`;
  const room = Math.max(0, size - head.length);
  const text = line.repeat(Math.floor(room / line.length)) + 'x'.repeat(room % line.length);
  return Buffer.from(`${head}${text}\r\n.\r\n`);
}

/** Sends every message; resolves with messages/s. */
export async function rawSource(source: RawSource): Promise<number> {
  const body = messageOf(source.size);
  const per = Math.floor(source.messages / source.sessions);
  const counts = Array.from(
    { length: source.sessions },
    (_, i) => per + (i < source.messages % source.sessions ? 1 : 0),
  );
  const started = Date.now();
  await Promise.all(counts.map((count) => session(source, body, count)));
  return source.messages / ((Date.now() - started) / 1000);
}
