import { combinationSql } from './segment-combination';

describe('segment combination', () => {
  it('combines segments with bound ids', () => {
    const params: unknown[] = ['ws'];
    const text = combinationSql('$1', { include: ['s1', 's2'], combine: 'intersection', exclude: ['s3'] }, params);
    expect(text).toContain('HAVING count(DISTINCT source) = $3');
    expect(text).toContain('EXCEPT');
    expect(params).toEqual(['ws', ['s1', 's2'], 2, ['s3']]);
  });

  it('counts subscription lists (current subscribers) as sources of the combination', () => {
    const params: unknown[] = ['ws'];
    const text = combinationSql('$1', { include: ['s1'], combine: 'intersection', lists: ['l1'] }, params);
    expect(text).toContain('unsubscribed_at IS NULL');
    expect(text).toContain('HAVING count(DISTINCT source) = $4');
    expect(params).toEqual(['ws', ['s1'], ['l1'], 2]);
  });
});
