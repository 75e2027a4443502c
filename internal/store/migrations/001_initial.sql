-- Facts with their validity interval, events, and the health of each source.
-- Times are BIGINT microseconds since the Unix epoch (UTC). An open fact has
-- valid_to = 9223372036854775807, so "open facts of a source" and "facts
-- valid at t" are plain range conditions on indexed columns.
-- {{identity}} is the dialect's auto-numbered primary key.

CREATE TABLE sources (
	name         TEXT PRIMARY KEY,
	last_success BIGINT,
	last_attempt BIGINT NOT NULL,
	stale        BOOLEAN NOT NULL DEFAULT FALSE,
	last_error   TEXT NOT NULL DEFAULT ''
);

CREATE TABLE facts (
	id         {{identity}},
	source     TEXT NOT NULL REFERENCES sources (name),
	fact_key   TEXT NOT NULL,
	owner      TEXT NOT NULL,
	subject    TEXT NOT NULL,
	kind       TEXT NOT NULL,
	name       TEXT NOT NULL,
	rel        TEXT NOT NULL,
	object     TEXT NOT NULL,
	attrs      TEXT NOT NULL,
	hash       TEXT NOT NULL,
	valid_from BIGINT NOT NULL,
	valid_to   BIGINT NOT NULL
);

-- The open facts of a source are one prefix of this index. Versions of one
-- key never overlap, so no two of them end at the same moment: at most one
-- version of a key is open.
CREATE UNIQUE INDEX facts_source_valid_to_key ON facts (source, valid_to, fact_key);

-- Facts valid at t: valid_to > t, then valid_from <= t within the index.
CREATE INDEX facts_valid_to_from ON facts (valid_to, valid_from);

CREATE INDEX facts_subject ON facts (subject);

CREATE INDEX facts_object ON facts (object);

CREATE TABLE events (
	id         {{identity}},
	source     TEXT NOT NULL REFERENCES sources (name),
	event_key  TEXT NOT NULL,
	event_time BIGINT NOT NULL,
	subject    TEXT NOT NULL,
	event_type TEXT NOT NULL,
	user_name  TEXT NOT NULL,
	message    TEXT NOT NULL,
	UNIQUE (source, event_key)
);

CREATE INDEX events_subject_time ON events (subject, event_time);
