-- Leases: which vnetmap process polls a source now, when several share one
-- database. A lease is held by holder until expires (BIGINT microseconds
-- since the Unix epoch, like every time here); an expired lease may be
-- taken by anyone.

CREATE TABLE leases (
	name    TEXT PRIMARY KEY,
	holder  TEXT NOT NULL,
	expires BIGINT NOT NULL
);
