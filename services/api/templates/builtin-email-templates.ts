/**
 * The built-in email templates (docs/api.md#templates): each body is MJML that passes the go-live error check
 * (lib/domain/email/email-check.ts) once the new email has a from address and content settings: the
 * subscription-center link and the postal address merge field are in every footer.
 */
import type { BuiltInTemplate, EmailDefinition } from './template-types';

const FOOTER = `<mj-section><mj-column>
<mj-divider border-width="1px" border-color="#dddddd" />
<mj-text font-size="12px" color="#777777">You receive this email because you subscribed to our news.
<a href="{{content.subscription_center_url}}">Manage your subscriptions</a><br />{{content.postal_address}}</mj-text>
</mj-column></mj-section>`;

const page = (sections: string): string =>
  `<mjml><mj-body background-color="#f4f4f4">${sections}
${FOOTER}
</mj-body></mjml>`;

const NEWSLETTER = page(`<mj-section background-color="#ffffff"><mj-column>
<mj-text font-size="22px" font-weight="bold">This month's news</mj-text>
<mj-text>Hello {{default contact.first_name "there"}},</mj-text>
<mj-text>Here is what happened since our last newsletter. Replace this paragraph with your first story.</mj-text>
<mj-button href="https://example.com/news">Read more</mj-button>
</mj-column></mj-section>
<mj-section background-color="#ffffff"><mj-column>
<mj-text font-size="18px" font-weight="bold">Also in this issue</mj-text>
<mj-text>A second story, an event, a tip: one short paragraph each, with a link to the full text.</mj-text>
</mj-column></mj-section>`);

const ANNOUNCEMENT = page(`<mj-section background-color="#ffffff"><mj-column>
<mj-text font-size="24px" font-weight="bold" align="center">Big news</mj-text>
<mj-text align="center">Hello {{default contact.first_name "there"}}, we have something new to show you.
Say in one or two sentences what it is and why it matters to the reader.</mj-text>
<mj-button href="https://example.com/announcement" align="center">Find out more</mj-button>
</mj-column></mj-section>`);

const email = (draft: EmailDefinition): EmailDefinition => draft;

export const BUILT_IN_EMAIL_TEMPLATES: readonly BuiltInTemplate[] = [
  {
    id: 'builtin-email-newsletter',
    kind: 'email',
    name: 'Newsletter',
    description: 'A plain newsletter: a lead story with a button, a second section and the required footer.',
    definition: email({
      subject: 'Our news for {{default contact.first_name "you"}}',
      from_name: 'Newsletter',
      preview_text: 'What happened since our last newsletter',
      body_mjml: NEWSLETTER,
    }),
  },
  {
    id: 'builtin-email-announcement',
    kind: 'email',
    name: 'Announcement',
    description: 'One announcement with a call to action and the required footer.',
    definition: email({
      subject: 'Something new for you',
      from_name: 'News',
      preview_text: 'We have something new to show you',
      body_mjml: ANNOUNCEMENT,
    }),
  },
];
