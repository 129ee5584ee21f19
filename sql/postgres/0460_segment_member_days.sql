-- Issue 25 part 5: segment insights (docs/kpis.md#segment-membership). One row per segment and day (the calendar
-- day in the workspace's time zone when the change ran): contacts that entered and exited the segment that day and
-- its members at the end of it. Aggregates only: no contact id, so erasure has nothing to delete here.
CREATE TABLE IF NOT EXISTS segment_member_days (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    segment_id uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    day date NOT NULL,
    entered integer NOT NULL DEFAULT 0 CHECK (entered >= 0),
    exited integer NOT NULL DEFAULT 0 CHECK (exited >= 0),
    members_at_end integer NOT NULL CHECK (members_at_end >= 0),
    PRIMARY KEY (segment_id, day)
);

-- NOTE: the counts equal the membership changes. Statement triggers on segment_members add the rows each statement
-- actually inserted or deleted (its transition table), in that statement, so every writer is counted (the refresh,
-- static adds and removals, a tile's contacts saved as a segment, erasure, a contact deleted by cascade) and a
-- replayed add (ON CONFLICT DO NOTHING) or a removal of a non-member counts nothing. A day's first change starts
-- from the latest earlier day's members_at_end; it locks that row and the segment so that a transaction still
-- counting on the earlier day commits first (docs/kpis.md#segment-membership).
CREATE OR REPLACE FUNCTION count_segment_membership() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    change record;
    earlier integer;
    n_in integer;
    n_out integer;
BEGIN
    FOR change IN
        SELECT s.workspace_id, s.id AS segment_id, m.n, (clock_timestamp() AT TIME ZONE w.time_zone)::date AS day
          FROM (SELECT segment_id, count(*)::integer AS n FROM changed GROUP BY segment_id) m
          JOIN segments s ON s.id = m.segment_id
          JOIN workspaces w ON w.id = s.workspace_id
         ORDER BY s.id
    LOOP
        n_in := CASE WHEN TG_OP = 'INSERT' THEN change.n ELSE 0 END;
        n_out := CASE WHEN TG_OP = 'DELETE' THEN change.n ELSE 0 END;
        UPDATE segment_member_days d
           SET entered = d.entered + n_in, exited = d.exited + n_out, members_at_end = d.members_at_end + n_in - n_out
         WHERE d.segment_id = change.segment_id AND d.day = change.day;
        CONTINUE WHEN FOUND;
        PERFORM 1 FROM segments WHERE id = change.segment_id FOR NO KEY UPDATE;
        SELECT d.members_at_end INTO earlier FROM segment_member_days d
         WHERE d.segment_id = change.segment_id AND d.day < change.day
         ORDER BY d.day DESC LIMIT 1 FOR UPDATE;
        INSERT INTO segment_member_days AS d (workspace_id, segment_id, day, entered, exited, members_at_end)
        VALUES (change.workspace_id, change.segment_id, change.day, n_in, n_out, coalesce(earlier, 0) + n_in - n_out)
        ON CONFLICT (segment_id, day) DO UPDATE
           SET entered = d.entered + EXCLUDED.entered,
               exited = d.exited + EXCLUDED.exited,
               members_at_end = d.members_at_end + EXCLUDED.entered - EXCLUDED.exited;
    END LOOP;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS segment_members_entered ON segment_members;
CREATE TRIGGER segment_members_entered AFTER INSERT ON segment_members
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_segment_membership();
DROP TRIGGER IF EXISTS segment_members_exited ON segment_members;
CREATE TRIGGER segment_members_exited AFTER DELETE ON segment_members
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION count_segment_membership();

-- A new segment's first day is counted from zero members, so a day before its first row is a day not counted
-- (before the segment or before this migration), not a day with no members.
CREATE OR REPLACE FUNCTION start_segment_member_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO segment_member_days (workspace_id, segment_id, day, members_at_end)
    SELECT NEW.workspace_id, NEW.id, (clock_timestamp() AT TIME ZONE w.time_zone)::date, 0
      FROM workspaces w WHERE w.id = NEW.workspace_id
    ON CONFLICT (segment_id, day) DO NOTHING;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS segments_member_days_start ON segments;
CREATE TRIGGER segments_member_days_start AFTER INSERT ON segments
    FOR EACH ROW EXECUTE FUNCTION start_segment_member_days();

-- Existing segments start counting today with their current members.
INSERT INTO segment_member_days (workspace_id, segment_id, day, members_at_end)
SELECT s.workspace_id, s.id, (clock_timestamp() AT TIME ZONE w.time_zone)::date,
       (SELECT count(*) FROM segment_members m WHERE m.segment_id = s.id)
  FROM segments s JOIN workspaces w ON w.id = s.workspace_id
ON CONFLICT (segment_id, day) DO NOTHING;
