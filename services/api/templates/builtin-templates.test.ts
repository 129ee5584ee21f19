import { checkEmail, type ContentSettingsData } from '../../../lib/domain/email/email-check';
import { DEFAULT_EGRESS_POLICY } from '../../../lib/platform/egress/egress-policy';
import { checkJourney } from '../journeys/journey-check';
import { BUILT_IN_EMAIL_TEMPLATES } from './builtin-email-templates';
import { BUILT_IN_JOURNEY_TEMPLATES } from './builtin-journey-templates';
import { emailWith, journeyWith, referencesOf } from './template-references';
import type { JourneyDefinition } from './template-types';

const content: ContentSettingsData = {
  subscription_center_url: 'https://prefs.example.com/c',
  forward_url: 'https://fwd.example.com',
  postal_address: '1 Main St, Oslo',
  social_links: {},
};

const settings = {
  target: 'contacts',
  start_at: '2027-01-01T00:00:00Z',
  end_at: '2027-03-01T00:00:00Z',
  time_zone: 'UTC',
  min_consent: 0,
} as const;

describe('built-in templates', () => {
  it.each(BUILT_IN_EMAIL_TEMPLATES.map((t) => [t.id, t] as const))(
    '%s passes the email check once it has a from address and content settings',
    async (_id, template) => {
      if (template.kind !== 'email') throw new Error('not an email template');
      const draft = { subject: '', body_mjml: '', ...template.definition, from_address: 'news@example.com' };
      const check = await checkEmail(draft, content);
      expect(check.issues).toEqual([]);
      expect(check.compiled?.links.map((link) => link.kind)).toContain('subscription_center');
      // the footer's merge field, not a postal address of our own
      expect(template.definition.body_mjml).toContain('{{content.postal_address}}');
    },
  );

  it.each(BUILT_IN_JOURNEY_TEMPLATES.map((t) => [t.id, t] as const))(
    '%s passes the journey check once its segment, emails and dates are filled in',
    (_id, template) => {
      if (template.kind !== 'journey') throw new Error('not a journey template');
      const { graph } = template.definition;
      const empty = checkJourney(graph, { ...settings, ...template.definition.settings, start_at: '' }, ctx());
      expect(empty.map((issue) => issue.field)).toEqual(
        expect.arrayContaining(['graph.tiles.audience', 'settings.start_at']),
      );
      const tiles = graph.tiles.map((tile) =>
        tile.type === 'email'
          ? { ...tile, config: { email_id: `e-${tile.id}` } }
          : tile.type === 'segment'
            ? { ...tile, config: { ...tile.config, segment_ids: ['s1'] } }
            : tile,
      );
      const emails = graph.tiles.filter((tile) => tile.type === 'email').map((tile) => `e-${tile.id}`);
      expect(emails.length).toBeGreaterThanOrEqual(2);
      expect(checkJourney({ tiles }, { ...template.definition.settings, ...settings }, ctx(emails))).toEqual([]);
    },
  );
});

function ctx(liveEmails: string[] = []) {
  return {
    emailStatus: new Map(liveEmails.map((id) => [id, 'live'])),
    segmentIds: new Set(['s1']),
    userIds: new Set<string>(),
    egress: DEFAULT_EGRESS_POLICY,
  };
}

describe('template references', () => {
  const definition: JourneyDefinition = {
    graph: {
      tiles: [
        { id: 'a', type: 'segment', next: ['m'], config: { segment_ids: ['s1', 's2'], list_ids: ['l1'] } },
        { id: 'm', type: 'email', config: { email_id: 'e1' } },
      ],
    },
    settings: { suppression_segment_id: 's3', list_id: null, content_settings_id: 'c1' },
  };

  it('meets every id of tiles and settings', () => {
    expect(referencesOf(definition, journeyWith)).toEqual([
      { field: 'settings.suppression_segment_id', table: 'segments', id: 's3' },
      { field: 'settings.content_settings_id', table: 'content_settings', id: 'c1' },
      { field: 'graph.tiles.a.config.segment_ids', table: 'segments', id: 's1' },
      { field: 'graph.tiles.a.config.segment_ids', table: 'segments', id: 's2' },
      { field: 'graph.tiles.a.config.list_ids', table: 'subscription_lists', id: 'l1' },
      { field: 'graph.tiles.m.config.email_id', table: 'emails', id: 'e1' },
    ]);
    expect(referencesOf({ content_settings_id: 'c2' }, emailWith)).toEqual([
      { field: 'content_settings_id', table: 'content_settings', id: 'c2' },
    ]);
  });

  it('leaves out what keep refuses: an email id, a segment of a list, a setting (null)', () => {
    const kept = journeyWith(definition, (r) => !['e1', 's2', 's3'].includes(r.id));
    expect(kept.graph.tiles[0]?.config).toEqual({ segment_ids: ['s1'], list_ids: ['l1'] });
    expect(kept.graph.tiles[1]?.config).toEqual({});
    expect(kept.settings).toEqual({ suppression_segment_id: null, list_id: null, content_settings_id: 'c1' });
    expect(definition.graph.tiles[1]?.config).toEqual({ email_id: 'e1' });
    expect(emailWith({ content_settings_id: 'c2', subject: 'x' }, () => false)).toEqual({
      content_settings_id: null,
      subject: 'x',
    });
  });
});
