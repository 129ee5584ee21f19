import { checkAddress } from './address-policy';
import { decideEligibility, type RecipientRow } from './eligibility';

const row = (overrides: Partial<RecipientRow> = {}): RecipientRow => ({
  contact_id: 'c1',
  email: 'ann@example.com',
  first_name: 'Ann',
  last_name: null,
  time_zone: null,
  consent_level: 4,
  account_id: null,
  do_not_bulk_email: false,
  allow_follow_email: true,
  attributes: {},
  account_name: null,
  account_attributes: null,
  unsubscribed: false,
  suppression: null,
  ...overrides,
});

describe('address policy', () => {
  it.each([
    [null, 'missing_address'],
    ['  ', 'missing_address'],
    ['ann', 'invalid_address'],
    ['Ann <ann@example.com>', 'invalid_address'],
    ['a@b.c, x@evil.test', 'invalid_address'],
    ['ann@localhost', 'invalid_address'],
    ['ann@exa mple.com', 'invalid_address'],
    ['noreply@example.com', 'blocklisted_address'],
    ['Do-Not-Reply@example.com', 'blocklisted_address'],
    ['office@example.com', 'blocklisted_address'],
    ['someone@mailinator.com', 'blocklisted_address'],
    ['someone@guerrillamail.com', 'blocklisted_address'],
  ])('%p is %s', (address, reason) => {
    expect(checkAddress(address)).toEqual({ ok: false, reason });
  });

  it('accepts ordinary and plus addresses and lowercases the domain', () => {
    expect(checkAddress('Ann.Lee+news@Example.COM')).toEqual({
      ok: true,
      address: 'Ann.Lee+news@Example.COM',
      domain: 'example.com',
    });
  });
});

describe('eligibility', () => {
  it.each<[Partial<RecipientRow>, number, unknown]>([
    [{}, 0, { kind: 'send', address: 'ann@example.com', domain: 'example.com' }],
    [{ do_not_bulk_email: true, email: null }, 0, { kind: 'blocked', reason: 'do_not_bulk_email' }],
    [{ unsubscribed: true }, 0, { kind: 'blocked', reason: 'unsubscribed' }],
    [{ consent_level: 2 }, 3, { kind: 'blocked', reason: 'consent_below_minimum' }],
    [{ suppression: 'manual' }, 0, { kind: 'blocked', reason: 'blocklisted_address' }],
    [{ suppression: 'hard_bounce' }, 0, { kind: 'suppressed', countsAs: 'hard_bounce', domain: 'example.com' }],
    [{ suppression: 'soft_bounces' }, 0, { kind: 'suppressed', countsAs: 'hard_bounce', domain: 'example.com' }],
    [{ suppression: 'complaint' }, 0, { kind: 'suppressed', countsAs: 'complaint', domain: 'example.com' }],
  ])('%p with minimum consent %p', (overrides, minConsent, expected) => {
    expect(decideEligibility(row(overrides), minConsent)).toEqual(expected);
  });
});
