-- findings_seen: when serve's checks first and last saw each finding
-- (check.Finding.ID, stable across evaluations), BIGINT microseconds since
-- the Unix epoch like every time here. A finding that clears keeps its row:
-- last_seen then says when it was last there, and first_seen stays the
-- first time it ever appeared.

CREATE TABLE findings_seen (
	finding    TEXT PRIMARY KEY,
	first_seen BIGINT NOT NULL,
	last_seen  BIGINT NOT NULL
);
