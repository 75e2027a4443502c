-- Collection health: what each table of each device answered in the latest
-- run of a source that reads devices table by table (model.TableHealth):
-- rows read, kept and skipped (by reason, with one example), the table's
-- error, and the time it took. Not temporal: a full snapshot replaces its
-- source's rows, except those of devices it kept without reading (their
-- last known health stays, with the older taken). taken is the moment the
-- run was recorded at, duration_us the time spent on the table, both in
-- microseconds like every time here; reasons is a JSON object
-- (reason → rows). Rows come back in the order they were written (id).

CREATE TABLE collection_health (
	id          {{identity}},
	source      TEXT NOT NULL REFERENCES sources (name),
	device      TEXT NOT NULL,
	address     TEXT NOT NULL,
	grp         TEXT NOT NULL,
	tbl         TEXT NOT NULL,
	rows_read   BIGINT NOT NULL,
	rows_kept   BIGINT NOT NULL,
	skipped     BIGINT NOT NULL,
	reasons     TEXT NOT NULL,
	example     TEXT NOT NULL,
	error       TEXT NOT NULL,
	duration_us BIGINT NOT NULL,
	taken       BIGINT NOT NULL
);

CREATE INDEX collection_health_source ON collection_health (source, device);

CREATE INDEX collection_health_device ON collection_health (device);

-- The totals of a source's health rows, kept with its state so that listing
-- the sources costs no aggregate.
ALTER TABLE sources ADD COLUMN skipped_rows BIGINT NOT NULL DEFAULT 0;

ALTER TABLE sources ADD COLUMN failed_tables BIGINT NOT NULL DEFAULT 0;
