import { checkEmail, type ContentSettingsData } from '../lib/domain/email/email-check';

export const BENCH_CONTENT: ContentSettingsData = {
  subscription_center_url: 'https://prefs.example.com/center',
  forward_url: 'https://fwd.example.com/',
  postal_address: '1 Harbour Street, 0150 Oslo, Norway',
  social_links: {},
};

const FIELDS = [
  'contact.first_name',
  'contact.last_name',
  'contact.email',
  'contact.time_zone',
  'account.name',
  'contact.attributes.city',
  'contact.attributes.plan',
  'contact.attributes.tier',
  'contact.attributes.points',
  'contact.attributes.manager',
];

const PARAGRAPH =
  'Spring is here, and so is the season of long evenings by the fjord. Our team has put together a selection of ' +
  'offers picked for the way you use the service, with delivery included and nothing to set up. ';

/**
 * A ~`kib` KiB marketing email: `links` tracked links, ~20 merge fields (a fallback, a dynamic block), the
 * required footer. Compiled once through the go-live check (MJML), as the sender receives it.
 */
export async function benchEmail(
  kib: number,
  links = 10,
): Promise<{ html: string; subject: string; fromName: string }> {
  const sections: string[] = [];
  const target = kib * 1024;
  for (let i = 0; sections.join('').length < target * 0.27; i++) {
    const field = FIELDS[i % FIELDS.length] as string;
    const link =
      i < links
        ? ` <a href="https://shop.example.com/p/${i}?utm_source=cairn&amp;utm_medium=email">Offer ${i}</a>`
        : '';
    sections.push(
      `<mj-section><mj-column><mj-text>{{${field}}}: ${PARAGRAPH.repeat(3)}${link}</mj-text></mj-column></mj-section>`,
    );
  }
  const body =
    `<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{default contact.first_name "there"}}` +
    `{{#if (eq contact.attributes.city "Oslo")}}, neighbour{{else}} from {{contact.attributes.city}}{{/if}}!</mj-text></mj-column></mj-section>` +
    `${sections.join('')}<mj-section><mj-column><mj-text><a href="{{content.forward_url}}">Forward</a> ` +
    `<a href="{{content.subscription_center_url}}">Manage subscriptions</a> {{content.postal_address}}</mj-text></mj-column></mj-section></mj-body></mjml>`;
  const subject = 'Spring offers for {{default contact.first_name "you"}}';
  const fromName = 'Cairn at {{account.name}}';
  const check = await checkEmail(
    { subject, from_address: 'news@cairn.example', from_name: fromName, body_mjml: body },
    BENCH_CONTENT,
  );
  if (!check.compiled) throw new Error(`bench email does not pass the check: ${JSON.stringify(check.issues)}`);
  return { html: check.compiled.html, subject, fromName };
}

export function benchContact(i: number): Record<string, unknown> {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    email: `c${i}@example.com`,
    first_name: `Name${i}`,
    last_name: `Surname <${i}>`,
    time_zone: 'Europe/Oslo',
    consent_level: 4,
    attributes: {
      city: i % 3 === 0 ? 'Oslo' : 'Bergen',
      plan: 'pro',
      tier: i % 5,
      points: i * 7,
      manager: 'Kari & Ola',
    },
  };
}
