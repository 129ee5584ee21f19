import { randomBytes, randomUUID } from 'node:crypto';
import { parseTrackingKeys, TrackingTokenCodec } from '../../../lib/contracts/tracking/tracking-token';
import { type FormTicket, FormTicketCodec, TICKET_MAX_AGE_MS } from './form-ticket';

const keys = parseTrackingKeys([`1:${randomBytes(32).toString('base64')}`, `2:${randomBytes(32).toString('base64')}`]);
const now = Date.now();
const ticket: FormTicket = {
  submissionId: randomUUID(),
  formId: randomUUID(),
  formVersion: 3,
  pageId: randomUUID(),
  pageVersion: 7,
  renderedAt: now - 5_000,
};

describe('FormTicketCodec', () => {
  const codec = new FormTicketCodec(keys, 1);

  it('round-trips a ticket, with or without a page, in a compact base64url string', () => {
    const minted = codec.mint(ticket);
    expect(minted).toMatch(/^[A-Za-z0-9_-]{107}$/);
    expect(codec.verify(minted, now)).toEqual(ticket);
    const alone = { ...ticket, pageId: null, pageVersion: null };
    expect(codec.verify(codec.mint(alone), now)).toEqual(alone);
  });

  it('verifies tickets of an older key after rotation, and none of an unknown key', () => {
    const rotated = new FormTicketCodec(keys, 2);
    expect(rotated.verify(codec.mint(ticket), now)).toEqual(ticket);
    const stranger = new FormTicketCodec(parseTrackingKeys([`1:${randomBytes(32).toString('base64')}`]), 1);
    expect(codec.verify(stranger.mint(ticket), now)).toBeNull();
  });

  it('refuses a tampered, truncated, extended, re-spelled or non-string ticket', () => {
    const minted = codec.mint(ticket);
    const flip = (i: number) => `${minted.slice(0, i)}${minted[i] === 'A' ? 'B' : 'A'}${minted.slice(i + 1)}`;
    for (const bad of [
      flip(0),
      flip(20),
      flip(60),
      flip(106),
      minted.slice(0, -1),
      `${minted}A`,
      `${minted}=`,
      42,
      null,
    ]) {
      expect(codec.verify(bad, now)).toBeNull();
    }
  });

  it('refuses a ticket older than a day, or rendered in the future', () => {
    expect(codec.verify(codec.mint({ ...ticket, renderedAt: now - TICKET_MAX_AGE_MS - 1 }), now)).toBeNull();
    expect(codec.verify(codec.mint({ ...ticket, renderedAt: now + 3_600_000 }), now)).toBeNull();
  });

  it('is signed with a key of its own: the same secrets sign no tracking token that verifies as a ticket', () => {
    const tokens = new TrackingTokenCodec(keys, 1);
    const landing = tokens.mint(
      {
        workspaceId: randomUUID(),
        messageId: randomUUID(),
        contactId: randomUUID(),
        emailId: randomUUID(),
        emailVersion: 1,
        sentAt: 1,
      },
      'landing',
    );
    expect(codec.verify(landing, now)).toBeNull();
    expect(tokens.verify(codec.mint(ticket), 'landing')).toBeNull();
  });
});

describe('ticketless submission ids (docs/pages-and-forms.md#plain-html-fallback)', () => {
  const codec = new FormTicketCodec(keys, 1);
  const form = { formId: ticket.formId, version: 2 };
  const values = { email: 'ann@example.com', first_name: 'Ann', lists: ['b', 'a'] };
  const hour = 3_600_000 * Math.floor(now / 3_600_000);
  const id = codec.ticketlessSubmissionId(form, 'Ann@Example.com', values, hour + 10);

  it('is one id for the same post within the hour, whatever the key rotation or the order of the values', () => {
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const reordered = { lists: ['a', 'b'], first_name: 'Ann', email: 'ann@example.com' };
    expect(codec.ticketlessSubmissionId(form, 'ann@example.com', reordered, hour + 3_599_999)).toBe(id);
    expect(new FormTicketCodec(keys, 2).ticketlessSubmissionId(form, 'ann@example.com', values, hour)).toBe(id);
  });

  it('is another id for other values, another email, version or hour, and under other keys', () => {
    const others = [
      codec.ticketlessSubmissionId(form, 'ann@example.com', { ...values, first_name: 'Anna' }, hour),
      codec.ticketlessSubmissionId(form, 'bo@example.com', values, hour),
      codec.ticketlessSubmissionId({ ...form, version: 3 }, 'ann@example.com', values, hour),
      codec.ticketlessSubmissionId(form, 'ann@example.com', values, hour + 3_600_000),
      new FormTicketCodec(parseTrackingKeys([`1:${randomBytes(32).toString('base64')}`]), 1).ticketlessSubmissionId(
        form,
        'ann@example.com',
        values,
        hour,
      ),
    ];
    expect(new Set([id, ...others]).size).toBe(6);
  });
});
