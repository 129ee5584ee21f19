// bench: personalised renders/s on one core (~50 KB email, 10 links, beacon, unsubscribe headers, text part) vs bare Handlebars of the same HTML
import { randomBytes, randomUUID } from 'node:crypto';
import { compileMergeTemplate } from '../lib/domain/email/merge-template';
import { compileMjml } from '../lib/domain/email/mjml-compile';
import { parseTrackingKeys, TrackingTokenCodec } from '../lib/contracts/tracking/tracking-token';
import { VersionRenderer } from '../services/sender/message-renderer';
import { SENDER_RENDER_MAX_CHARS } from '../services/sender/sender.config';
import { isQuick, progress, report, round } from './bench-support';
import { BENCH_CONTENT, benchContact, benchEmail } from './sender-fixture';

const SECONDS = isQuick ? 3 : 10;

function measure(label: string, render: (i: number) => number): { perSecond: number; bytes: number } {
  for (let i = 0; i < 2000; i++) render(i); // warm-up: JIT
  const deadline = process.hrtime.bigint() + BigInt(SECONDS * 1e9);
  let count = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  while (process.hrtime.bigint() < deadline) {
    for (let j = 0; j < 200; j++) bytes += render(count++);
  }
  const perSecond = count / (Number(process.hrtime.bigint() - started) / 1e9);
  progress(`${label}: ${Math.round(perSecond)}/s, ${round(bytes / count / 1024)} KiB per message`);
  return { perSecond, bytes: bytes / count };
}

async function main(): Promise<void> {
  const email = await benchEmail(50);
  const tokens = new TrackingTokenCodec(parseTrackingKeys([`1:${randomBytes(32).toString('base64')}`]), 1);
  const version = {
    emailId: randomUUID(),
    version: 1,
    subject: email.subject,
    fromAddress: 'news@cairn.example',
    fromName: email.fromName,
    replyTo: null,
    previewText: '',
    compiledHtml: email.html,
    attachments: [],
    contentSettingsId: null,
  };
  const renderer = new VersionRenderer(version, tokens, {
    ingestUrl: 'https://t.cairn.example',
    unsubscribeMailbox: null,
    maxRenderChars: SENDER_RENDER_MAX_CHARS,
  });
  const base = {
    workspaceId: randomUUID(),
    emailId: version.emailId,
    emailVersion: 1,
    sentAt: Math.floor(Date.now() / 1000),
    journeyId: randomUUID(),
    tileId: 'tile-1',
    listId: randomUUID(),
  };
  const contexts = Array.from({ length: 1000 }, (_, i) => ({
    contact: benchContact(i),
    account: { id: randomUUID(), name: `Account ${i}` },
    content: { ...BENCH_CONTENT },
  }));
  const messageIds = Array.from({ length: 1000 }, () => randomUUID());
  progress(`compiled HTML ${round(email.html.length / 1024)} KiB; one core, ${SECONDS} s per phase`);

  const bare = compileMergeTemplate(email.html);
  const baseline = measure('bare Handlebars render', (i) => bare(contexts[i % 1000] as never).length);
  const cairn = measure('sender render (tracked)', (i) => {
    const m = renderer.render(
      { ...base, messageId: messageIds[i % 1000] as string, contactId: contexts[i % 1000]?.contact.id as string },
      contexts[i % 1000] as never,
      true,
    );
    return m.html.length + m.text.length;
  });
  const untracked = measure('sender render (following not allowed: no beacon, no link tokens)', (i) => {
    const m = renderer.render(
      { ...base, messageId: messageIds[i % 1000] as string, contactId: contexts[i % 1000]?.contact.id as string },
      contexts[i % 1000] as never,
      false,
    );
    return m.html.length + m.text.length;
  });
  const mintStart = process.hrtime.bigint();
  for (let i = 0; i < 20_000; i++)
    tokens.mint(
      { ...base, messageId: messageIds[i % 1000] as string, contactId: base.workspaceId, linkId: 'abcdefghijkl' },
      'click',
    );
  const mintUs = Number(process.hrtime.bigint() - mintStart) / 20_000 / 1000;
  // The tracked bench message uses every per-message purpose (beacon, List-Unsubscribe, header, center, forward).
  const purposes = ['report', 'unsubscribe', 'open', 'subscription_center', 'forward'] as const;
  const links = Array.from({ length: renderer.tokensPerMessage(true) - purposes.length }, (_, i) => ({
    linkId: `link-${i}`,
    purpose: 'click' as const,
  }));
  const messageMintStart = process.hrtime.bigint();
  for (let i = 0; i < 5_000; i++)
    tokens.mintMessage(
      { ...base, messageId: messageIds[i % 1000] as string, contactId: base.workspaceId },
      purposes,
      links,
    );
  const messageMintUs = Number(process.hrtime.bigint() - messageMintStart) / 5_000 / 1000;
  progress(
    `lib/contracts/tracking mint: ${round(mintUs, 2)} µs per token; a tracked message's ${renderer.tokensPerMessage(true)} tokens (mintMessage): ${round(messageMintUs, 2)} µs`,
  );
  const mjmlStart = process.hrtime.bigint();
  for (let i = 0; i < 3; i++)
    await compileMjml(
      `<mjml><mj-body><mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section></mj-body></mjml>`,
    );
  const mjmlMs = Number(process.hrtime.bigint() - mjmlStart) / 3e6;
  report({
    bench: 'render',
    value: cairn.perSecond,
    unit: 'renders/s',
    baseline: 'bare Handlebars render of the same compiled HTML (no tracking, no text part)',
    baseline_value: baseline.perSecond,
    target: 15_000,
    message_kib: round(cairn.bytes / 1024),
    compiled_kib: round(email.html.length / 1024),
    mjml_tiny_compile_ms: round(mjmlMs, 2),
    untracked_renders_per_s: round(untracked.perSecond),
    mint_us: round(mintUs, 2),
    tokens_per_message: renderer.tokensPerMessage(true),
    message_mint_us: round(messageMintUs, 2),
    share_in_minting: round(messageMintUs / (1e6 / cairn.perSecond), 2),
  });
}

void main();
