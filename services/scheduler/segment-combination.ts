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
  const sources =
    lists.length > 0 ? `${segmentRows(combo.include)} UNION ALL ${listRows(lists)}` : segmentRows(combo.include);
  const included =
    combo.combine === 'union'
      ? `SELECT DISTINCT contact_id FROM (${sources}) m`
      : `SELECT contact_id FROM (${sources}) m GROUP BY contact_id HAVING count(DISTINCT source) = ${bind(new Set(combo.include).size + new Set(lists).size)}`;
  if (!combo.exclude?.length) return included;
  return `${included} EXCEPT SELECT contact_id FROM (${segmentRows(combo.exclude)}) x`;
}

/** One membership source of a combination: a segment, or a subscription list's current subscribers. */
interface Source {
  table: 'segment_members' | 'list_memberships';
  column: 'segment_id' | 'list_id';
  id: string;
}

const sourcesOf = (combo: SegmentCombination): Source[] => [
  ...combo.include.map((id): Source => ({ table: 'segment_members', column: 'segment_id', id })),
  ...(combo.lists ?? []).map((id): Source => ({ table: 'list_memberships', column: 'list_id', id })),
];

const current = (source: Source, alias: string): string =>
  source.table === 'list_memberships' ? ` AND ${alias}.unsubscribed_at IS NULL` : '';

/**
 * The next `limit` candidates of a combination after `after`, in contact id order, each with `keep` (whether it
 * is in the combination). Built for walking a large audience in batches: each source is read as an ordered range
 * of its primary key (source id, contact id) that stops after `limit` rows, so a batch costs the same at the
 * start and the end of a million members (the set operations of combinationSql sort the whole remainder each
 * time). Union candidates come from every source, intersection candidates from the first (each member of an
 * intersection is in it); `keep` checks the other sources and the exclusions per candidate. With `since`, the
 * candidates are the members who joined any source after it (few: read by join time, then sorted). The caller
 * moves its cursor to the last candidate and stops when fewer than `limit` come back.
 */
export function combinationBatchSql(
  combo: SegmentCombination,
  params: unknown[],
  names: { workspace: string; after: string; limit: string; since?: string },
): string {
  const bind = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const sources = sourcesOf(combo);
  const scanned = combo.combine === 'union' || names.since ? sources : sources.slice(0, 1);
  const branch = (s: Source): string => {
    const where = `m.workspace_id = ${names.workspace} AND m.${s.column} = ${bind(s.id)}::uuid AND m.contact_id > ${names.after}::uuid${current(s, 'm')}`;
    if (!names.since)
      return `(SELECT contact_id FROM ${s.table} m WHERE ${where} ORDER BY m.contact_id LIMIT ${names.limit})`;
    return `(SELECT contact_id FROM ${s.table} m WHERE ${where} AND m.${s.table === 'segment_members' ? 'added_at' : 'subscribed_at'} > ${names.since}::timestamptz)`;
  };
  const branches = scanned.map(branch);
  const member = (s: Source) =>
    `EXISTS (SELECT 1 FROM ${s.table} x WHERE x.${s.column} = ${bind(s.id)}::uuid AND x.contact_id = a.contact_id${current(s, 'x')})`;
  const checks = [
    ...(combo.combine === 'intersection'
      ? sources.filter((s) => scanned.length > 1 || s !== scanned[0]).map(member)
      : []),
    ...(combo.exclude?.length
      ? [
          `NOT EXISTS (SELECT 1 FROM segment_members x WHERE x.segment_id = ANY(${bind(combo.exclude)}::uuid[]) AND x.contact_id = a.contact_id)`,
        ]
      : []),
  ];
  return `SELECT a.contact_id, ${checks.length > 0 ? checks.join(' AND ') : 'true'} AS keep
          FROM (SELECT DISTINCT contact_id FROM (${branches.join(' UNION ALL ')}) u ORDER BY contact_id LIMIT ${names.limit}) a`;
}
