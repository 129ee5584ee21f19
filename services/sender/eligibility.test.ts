import { checkAddress } from './address-policy';
import { decideAddressEligibility, decideEligibility, type RecipientRow } from './eligibility';

const DEFAULT_RULES = { blockRoleAddresses: false };
const BLOCK_ROLES = { blockRoleAddresses: true };

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
      role: false,
    });
  });

  it.each(['info@example.com', 'Sales@example.com', 'support+eu@example.com', 'contact@x.io', 'ADMIN@x.io'])(
    'accepts the role mailbox %p and says it is one',
    (address) => {
      expect(checkAddress(address)).toMatchObject({ ok: true, role: true });
    },
  );
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
    expect(decideEligibility(row(overrides), minConsent, DEFAULT_RULES)).toEqual(expected);
  });
});

describe('role addresses (issue 23, item 9)', () => {
  const info = { email: 'info@acme.example' };
  const sendInfo = { kind: 'send', address: 'info@acme.example', domain: 'acme.example' };

  it('sends to info@ while the workspace setting is off (the default)', () => {
    expect(decideEligibility(row(info), 0, DEFAULT_RULES)).toEqual(sendInfo);
    expect(decideAddressEligibility('info@acme.example', null, DEFAULT_RULES)).toEqual(sendInfo);
  });

  it.each(['info@acme.example', 'Sales@acme.example', 'support+eu@acme.example', 'office@acme.example'])(
    'blocks %p as role_address when the setting is on',
    (email) => {
      const roleBlocked = { kind: 'blocked', reason: 'role_address' };
      expect(decideEligibility(row({ email }), 0, BLOCK_ROLES)).toEqual(roleBlocked);
      expect(decideAddressEligibility(email, null, BLOCK_ROLES)).toEqual(roleBlocked);
    },
  );

  it.each(['noreply@acme.example', 'Do-Not-Reply@acme.example', 'postmaster@acme.example', 'abuse@acme.example'])(
    'blocks %p, a mailbox nobody reads, as blocklisted whatever the setting',
    (email) => {
      const listed = { kind: 'blocked', reason: 'blocklisted_address' };
      for (const rules of [DEFAULT_RULES, BLOCK_ROLES])
        expect(decideAddressEligibility(email, null, rules)).toEqual(listed);
    },
  );

  it('still sends ordinary addresses with the setting on', () => {
    expect(decideEligibility(row(), 0, BLOCK_ROLES)).toEqual({
      kind: 'send',
      address: 'ann@example.com',
      domain: 'example.com',
    });
  });

  it.each([DEFAULT_RULES, BLOCK_ROLES])('blocks the workspace blocklist with its own reason (%p)', (rules) => {
    const listed = { kind: 'blocked', reason: 'blocklisted_address' };
    expect(decideEligibility(row({ suppression: 'manual' }), 0, rules)).toEqual(listed);
    // a role address the workspace blocklisted is reported as blocklisted: the workspace named it
    expect(decideEligibility(row({ ...info, suppression: 'manual' }), 0, rules)).toEqual(listed);
    expect(decideAddressEligibility('someone@mailinator.com', null, rules)).toEqual(listed);
  });

  it('keeps the journey rules and suppression for role addresses that are sent', () => {
    expect(decideEligibility(row({ ...info, unsubscribed: true }), 0, DEFAULT_RULES)).toEqual({
      kind: 'blocked',
      reason: 'unsubscribed',
    });
    expect(decideEligibility(row({ ...info, suppression: 'complaint' }), 0, DEFAULT_RULES)).toEqual({
      kind: 'suppressed',
      countsAs: 'complaint',
      domain: 'acme.example',
    });
  });
});
