import { SmtpDelivery } from './smtp-delivery';

const mail = {
  from: { name: 'News', address: 'news@brand.example' },
  to: 'ann@example.com',
  subject: 's',
  html: '<p>x</p>',
  text: 'x',
  messageId: '<1@brand.example>',
  headers: {},
};

describe('SmtpDelivery: the From domain signer', () => {
  it('a failed key lookup is not_sent (retried), before anything is written', async () => {
    const asked: string[] = [];
    const delivery = new SmtpDelivery({
      url: 'smtp://127.0.0.1:9', // discard: nothing may connect
      maxConnections: 1,
      maxMessagesPerConnection: 1,
      perDomainConcurrency: 1,
      ratePerSecond: 0,
      dkim: null,
      domainSigner: (workspaceId, from) => {
        asked.push(`${workspaceId} ${from}`);
        return Promise.reject(new Error('connection terminated'));
      },
    });
    try {
      const outcome = await delivery.send(mail, 'ws-1');
      expect(outcome).toEqual({ kind: 'not_sent', error: 'DKIM key lookup failed: connection terminated' });
      expect(asked).toEqual(['ws-1 news@brand.example']);
    } finally {
      delivery.close();
    }
  });
});
