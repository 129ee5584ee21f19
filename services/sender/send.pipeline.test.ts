import { derivedEventId } from '../../lib/contracts/events/derived-id';
import { addressReportOf } from './send.pipeline';

describe('the address report of a finished delivery row', () => {
  const bounce = { eventId: 'e-1', workspaceId: 'ws-1', address: 'ann@example.com' };

  it('reports a bounce under its event id, policy blocks and Bounced (other) included: the writer decides', () => {
    expect(
      addressReportOf(
        'k',
        { events: [], bounce: { ...bounce, bounceClass: 'other', policyBlock: true, contactId: 'c-1' } },
        7,
      ),
    ).toEqual({
      report_id: 'e-1',
      reported_at: 7,
      workspace_id: 'ws-1',
      address: 'ann@example.com',
      contact_id: 'c-1',
      outcome: 'bounce',
      bounce_class: 'other',
      policy_block: true,
    });
  });

  it('reads an outcome stored before policyBlock and contactId were kept as no policy block, no contact', () => {
    expect(addressReportOf('k', { events: [], bounce: { ...bounce, bounceClass: 'soft' } })).toMatchObject({
      bounce_class: 'soft',
      policy_block: false,
      contact_id: null,
    });
  });

  it('reports a delivery under an id derived from the key, and nothing for a row with neither', () => {
    expect(
      addressReportOf(
        'journey:tile:0:c',
        { events: [], delivered: { workspaceId: 'ws-1', address: 'ann@example.com' } },
        7,
      ),
    ).toEqual({
      report_id: derivedEventId('journey:tile:0:c', 'delivered'),
      reported_at: 7,
      workspace_id: 'ws-1',
      address: 'ann@example.com',
      contact_id: null,
      outcome: 'delivered',
    });
    expect(addressReportOf('k', { events: [] })).toBeNull();
  });
});
