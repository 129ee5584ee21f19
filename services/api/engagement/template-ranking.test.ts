import { rankTemplates } from './template-ranking';

describe('template recommendations', () => {
  it('recommends the best quarter by reply rate, then open rate, among templates with enough sends', () => {
    const stats = new Map([
      ['a', { sent: 40, opened: 30, replied: 4 }], // 10 % replies
      ['b', { sent: 40, opened: 10, replied: 8 }], // 20 % replies: best
      ['c', { sent: 40, opened: 35, replied: 4 }], // 10 % replies, more opens than a
      ['d', { sent: 40, opened: 0, replied: 0 }],
      ['e', { sent: 3, opened: 3, replied: 3 }], // 100 %, but three sends say little
    ]);
    const ranked = rankTemplates(stats, ['a', 'b', 'c', 'd', 'e', 'f'], 20);
    expect([...ranked].filter(([, t]) => t.recommended).map(([id]) => id)).toEqual(['b']);
    expect(ranked.get('c')).toMatchObject({ open_rate: 35 / 40, reply_rate: 0.1 });
    expect(ranked.get('f')).toEqual({
      sent: 0,
      opened: 0,
      replied: 0,
      leads: 0,
      open_rate: null,
      reply_rate: null,
      lead_rate: null,
      recommended: false,
    });

    const more = new Map([
      ...stats,
      ...['g', 'h', 'i', 'j'].map((id, i) => [id, { sent: 40, opened: 1 + i, replied: 0 }] as const),
    ]);
    const eight = [...rankTemplates(more, [...more.keys()], 20)].filter(([, t]) => t.recommended).map(([id]) => id);
    expect(eight).toEqual(['b', 'c']); // a quarter of the seven with data and enough sends (rounded up): the two best
  });

  it('ranks by lead rate first: messages followed by a lead outweigh replies and opens', () => {
    const stats = new Map([
      ['replies', { sent: 40, opened: 30, replied: 10 }],
      ['sales', { sent: 40, opened: 5, replied: 0 }],
      ['quiet', { sent: 40, opened: 0, replied: 0 }],
      ['few', { sent: 3, opened: 0, replied: 0 }],
    ]);
    const leads = new Map([
      ['sales', 2],
      ['quiet', 1],
      ['few', 3], // below the minimum sends: shown, never recommended
    ]);
    const ranked = rankTemplates(stats, [...stats.keys()], 20, leads);
    expect([...ranked].filter(([, t]) => t.recommended).map(([id]) => id)).toEqual(['sales']);
    expect(ranked.get('sales')).toMatchObject({ leads: 2, lead_rate: 0.05 });
    expect(ranked.get('few')).toMatchObject({ leads: 3, lead_rate: 1, recommended: false });
    expect(rankTemplates(stats, ['replies'], 20).get('replies')?.recommended).toBe(true);
    // a lead alone makes a template eligible: quiet has no opens or replies
    const alone = rankTemplates(new Map([['quiet', { sent: 40, opened: 0, replied: 0 }]]), ['quiet'], 20, leads);
    expect(alone.get('quiet')?.recommended).toBe(true);
  });
});
