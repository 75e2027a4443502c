-- Access control: API tokens and acknowledged findings.
--
-- api_tokens holds no secret: hash is the SHA-256 of the token (hex), which
-- is enough for a token of 32 random bytes (see docs/security.md). Times are
-- BIGINT microseconds since the Unix epoch; expires and revoked are 0 for
-- never. A name is unique among the tokens not revoked, so a revoked token
-- stays listed and its name may be given to a new one.

CREATE TABLE api_tokens (
	id      {{identity}},
	name    TEXT NOT NULL,
	role    TEXT NOT NULL,
	hash    TEXT NOT NULL UNIQUE,
	created BIGINT NOT NULL,
	expires BIGINT NOT NULL,
	revoked BIGINT NOT NULL
);

CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked = 0;

-- finding_acks: a finding (check.Finding.ID, stable across evaluations)
-- acknowledged by someone (a token's name) at a moment, with a comment. A
-- second acknowledgement of the same finding replaces the first.

CREATE TABLE finding_acks (
	finding TEXT PRIMARY KEY,
	by_name TEXT NOT NULL,
	at      BIGINT NOT NULL,
	comment TEXT NOT NULL
);
