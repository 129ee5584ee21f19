/**
 * Segment combination for journey segment tiles: union or intersection of the included segments, minus the
 * excluded ones. Returns a parameterised SELECT of contact ids; the caller appends its own parameters after.
 */
export interface SegmentCombination {
  include: string[];
  combine: 'union' | 'intersection';
  exclude?: string[];
}

export function combinationSql(workspaceParam: string, combo: SegmentCombination, params: unknown[]): string {
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const members = (ids: string[]): string =>
    `SELECT DISTINCT contact_id FROM segment_members WHERE workspace_id = ${workspaceParam} AND segment_id = ANY(${bind(ids)}::uuid[])`;
  const included =
    combo.combine === 'union'
      ? members(combo.include)
      : `SELECT contact_id FROM segment_members WHERE workspace_id = ${workspaceParam} AND segment_id = ANY(${bind(combo.include)}::uuid[]) GROUP BY contact_id HAVING count(*) = ${bind(new Set(combo.include).size)}`;
  if (!combo.exclude?.length) return included;
  return `${included} EXCEPT ${members(combo.exclude)}`;
}
