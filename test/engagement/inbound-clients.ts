import { connect, type Socket } from 'node:net';
import { webhookSignature } from '../../lib/contracts/webhooks/signed-webhook';
import { INBOUND_SECRET } from './engagement-kit';

/** A plain SMTP client conversation, returning the final reply line (the DATA verdict, or the first refusal). */
export function sendSmtp(port: number, to: string, raw: Buffer, mailFrom = 'sender@example.com'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const steps = ['EHLO test.example', `MAIL FROM:<${mailFrom}>`, `RCPT TO:<${to}>`, 'DATA'];
    let buffer = '';
    let step = -1;
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const lines = buffer.split('\r\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (/^\d{3}-/.test(line)) continue; // continuation
        const code = Number(line.slice(0, 3));
        if (step >= 0 && step < steps.length - 1 && code >= 400) return finish(line);
        if (step === steps.length - 1 && code === 354) {
          const body = raw.toString('latin1').replace(/^\./gm, '..');
          socket.write(Buffer.from(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1'));
          step++;
          continue;
        }
        if (step === steps.length) return finish(line);
        if (step === steps.length - 1) return finish(line);
        step++;
        socket.write(`${steps[step]}\r\n`);
      }
    });
    socket.on('error', reject);
    const finish = (line: string) => {
      socket.end('QUIT\r\n');
      resolve(line);
    };
  });
}

/** POSTs a raw message to the reply webhook, signed with the test secret (or a forged signature). */
export async function postReply(
  baseUrl: string,
  raw: Buffer,
  forge?: 'forged',
): Promise<{ status: number; body: { matched?: boolean; duplicate?: boolean } }> {
  const t = Math.floor(Date.now() / 1000);
  const signature = forge ? `t=${t},v1=${'0'.repeat(64)}` : webhookSignature(INBOUND_SECRET, t, raw);
  const res = await fetch(`${baseUrl}/v1/inbound/replies`, {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822', 'x-cairn-signature': signature },
    body: raw,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}

/** A connection and the server's first line (the 220 greeting, or a refusal). */
export function greet(port: number): Promise<{ socket: Socket; greeting: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      const line = buffer.split('\r\n')[0];
      if (buffer.includes('\r\n') && line !== undefined) resolve({ socket, greeting: line });
    });
    socket.on('error', reject);
  });
}

/**
 * Starts a message to `to` without declaring SIZE and sends `total` bytes of body as fast as the server reads
 * them, stopping when the server answers or closes. Returns the first reply after DATA's 354 (or '' when none
 * came) and how many body bytes had been written by then.
 */
export function streamOversized(
  port: number,
  to: string,
  total: number,
): Promise<{ reply: string; written: number; finished: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const steps = ['EHLO test.example', 'MAIL FROM:<sender@example.com>', `RCPT TO:<${to}>`, 'DATA'];
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let step = -1;
    let buffer = '';
    let written = 0;
    let sending = false;
    let done = false;
    const finish = (reply: string) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ reply, written, finished: written >= total });
    };
    const pump = async () => {
      socket.write('Subject: big\r\n\r\n');
      while (!done && written < total) {
        written += chunk.length;
        if (!socket.write(chunk)) await new Promise((next) => (socket.once('drain', next), socket.once('close', next)));
      }
      if (!done) socket.write('\r\n.\r\n');
    };
    socket.on('data', (data) => {
      buffer += data.toString();
      const lines = buffer.split('\r\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (/^\d{3}-/.test(line)) continue;
        if (sending) return finish(line);
        if (line.startsWith('354')) {
          sending = true;
          void pump();
          continue;
        }
        step++;
        if (step < steps.length) socket.write(`${steps[step]}\r\n`);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(''));
  });
}

/**
 * A raw HTTP/1.1 POST to the reply webhook that declares `declared` body bytes but sends only `sent` of them,
 * then waits up to `waitMs` for an answer. Returns the status (0: none came) and how long it took.
 */
export function postPartial(
  port: number,
  signature: string | null,
  declared: number,
  sent: number,
  waitMs: number,
): Promise<{ status: number; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const head = [
      'POST /v1/inbound/replies HTTP/1.1',
      'host: 127.0.0.1',
      'content-type: message/rfc822',
      `content-length: ${declared}`,
    ];
    if (signature !== null) head.push(`x-cairn-signature: ${signature}`);
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    socket.write(Buffer.alloc(sent, 'a'));
    let answer = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0), ms: Date.now() - started });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (data) => {
      answer += data.toString();
      if (answer.includes('\r\n')) finish();
    });
    socket.on('error', () => undefined);
    socket.on('close', finish);
  });
}
