/**
 * Segment combination for journey segment tiles: union or intersection of the included segments and
 * subscription lists (current subscribers only), minus the excluded segments. Returns a parameterised SELECT of
 * contact ids; the caller appends its own parameters after.
 */
export interface SegmentCombination {
  include: string[];
  combine: 'union' | 'intersection';
  exclude?: string[];
  /** subscription lists whose current subscribers count as members, combined like segments */
  lists?: string[];
}

export function combinationSql(workspaceParam: string, combo: SegmentCombination, params: unknown[]): string {
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const segmentRows = (ids: string[]): string =>
    `SELECT segment_id AS source, contact_id FROM segment_members WHERE workspace_id = ${workspaceParam} AND segment_id = ANY(${bind(ids)}::uuid[])`;
  const listRows = (ids: string[]): string =>
    `SELECT list_id AS source, contact_id FROM list_memberships WHERE workspace_id = ${workspaceParam} AND list_id = ANY(${bind(ids)}::uuid[]) AND unsubscribed_at IS NULL`;
  const lists = combo.lists ?? [];
  const sources = lists.length > 0 ? `${segmentRows(combo.include)} UNION ALL ${listRows(lists)}` : segmentRows(combo.include);
  const included =
    combo.combine === 'union'
      ? `SELECT DISTINCT contact_id FROM (${sources}) m`
      : `SELECT contact_id FROM (${sources}) m GROUP BY contact_id HAVING count(DISTINCT source) = ${bind(new Set(combo.include).size + new Set(lists).size)}`;
  if (!combo.exclude?.length) return included;
  return `${included} EXCEPT SELECT contact_id FROM (${segmentRows(combo.exclude)}) x`;
}
