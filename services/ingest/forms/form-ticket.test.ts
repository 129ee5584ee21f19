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
