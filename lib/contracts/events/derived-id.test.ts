import { derivedEventId, derivedId } from './derived-id';

/**
 * Ids as each producer derived them before the derivation was one function: a replay after an upgrade must match
 * what ClickHouse and webhook_receipts already hold (derived-id.ts), so these values never change.
 */
describe('derived event ids', () => {
  it("keep the sender's shape (version 4, variant a)", () => {
    expect(derivedEventId('journey:tile:0:contact', 'send')).toBe('adb4967a-073e-4a63-a5ce-43e3be29724e');
    expect(derivedId('v4', 'journey:tile:0:contact', 'send')).toBe('adb4967a-073e-4a63-a5ce-43e3be29724e');
  });

  it("keep ingest's shape (version 5, RFC 4122 variant bits)", () => {
    expect(derivedId('v5-rfc-variant', 'bounce', 'm1', 'ann@example.com', '5.1.1', '550 5.1.1 user unknown')).toBe(
      'cc8957d4-baae-59ca-beb5-06391742116a',
    );
    expect(derivedId('v5-rfc-variant', 'unsubscribe', 'm1', '*')).toBe('79794216-c1b1-5bce-88cd-c5a513f0bb25');
  });

  it('keep the journey engine\'s shape (version 5, variant a, type and key joined by "|")', () => {
    expect(derivedId('v5', 'tile_inflow|j:t:0:c')).toBe('26a8324b-deda-5c0a-a050-fd0efb6ec056');
  });

  it('derive the same id from the same parts and another from others', () => {
    const id = derivedId('v5-rfc-variant', 'bounce', 'm1', '5.1.1');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedId('v5-rfc-variant', 'bounce', 'm1', '5.1.1')).toBe(id);
    expect(derivedId('v5-rfc-variant', 'bounce', 'm1', '5.1.2')).not.toBe(id);
    expect(derivedEventId('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
