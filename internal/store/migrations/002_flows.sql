-- Traffic aggregated per minute by the flow pipeline (internal/flow):
-- flow_minutes between two attributed endpoints for one protocol and
-- destination port, link_minutes through one switch port in one direction.
-- minute is the start of the minute in BIGINT microseconds since the Unix
-- epoch (UTC). A row is written with INSERT … ON CONFLICT DO UPDATE, so a
-- second write of a key (records that arrived late) adds its counters; the
-- sums saturate at 2^63-1. An endpoint field the record lacked is ''.

CREATE TABLE flow_minutes (
	minute    BIGINT NOT NULL,
	src_class TEXT NOT NULL,
	src_vm    TEXT NOT NULL,
	src_app   TEXT NOT NULL,
	src_addr  TEXT NOT NULL,
	dst_class TEXT NOT NULL,
	dst_vm    TEXT NOT NULL,
	dst_app   TEXT NOT NULL,
	dst_addr  TEXT NOT NULL,
	proto     INTEGER NOT NULL,
	dst_port  INTEGER NOT NULL,
	bytes     BIGINT NOT NULL,
	packets   BIGINT NOT NULL,
	flows     BIGINT NOT NULL,
	PRIMARY KEY (minute, src_class, src_vm, src_app, src_addr, dst_class, dst_vm, dst_app, dst_addr, proto, dst_port)
);

-- A time range is a prefix of the primary key; the traffic of one VM is two
-- index ranges (either side), each ordered by minute. An application is a
-- time range filtered: src_app and dst_app list every application of the
-- VM, comma-separated, so no index range finds one of them.
CREATE INDEX flow_minutes_src_vm ON flow_minutes (src_vm, minute);

CREATE INDEX flow_minutes_dst_vm ON flow_minutes (dst_vm, minute);

CREATE TABLE link_minutes (
	minute    BIGINT NOT NULL,
	port      TEXT NOT NULL,
	channel   TEXT NOT NULL,
	direction TEXT NOT NULL,
	bytes     BIGINT NOT NULL,
	packets   BIGINT NOT NULL,
	PRIMARY KEY (minute, port, channel, direction)
);
