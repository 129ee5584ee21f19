import { connect } from 'node:net';
import { webhookSignature } from '../../lib/webhooks/signed-webhook';
import { INBOUND_SECRET } from './engagement-kit';

/** A plain SMTP client conversation, returning the final reply line (the DATA verdict, or the first refusal). */
export function sendSmtp(port: number, to: string, raw: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const steps = ['EHLO test.example', 'MAIL FROM:<sender@example.com>', `RCPT TO:<${to}>`, 'DATA'];
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
export async function postReply(baseUrl: string, raw: Buffer, forge?: 'forged'): Promise<{ status: number; body: { matched?: boolean; duplicate?: boolean } }> {
  const t = Math.floor(Date.now() / 1000);
  const signature = forge ? `t=${t},v1=${'0'.repeat(64)}` : webhookSignature(INBOUND_SECRET, t, raw);
  const res = await fetch(`${baseUrl}/v1/inbound/replies`, { method: 'POST', headers: { 'content-type': 'message/rfc822', 'x-cairn-signature': signature }, body: raw });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : {} };
}
