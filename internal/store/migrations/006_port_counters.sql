-- Interface counters of switch ports, from sFlow counter samples (the flow
-- pipeline resolves each sample's agent and ifIndex to a port): per port
-- and minute, the differences between successive samples of the port whose
-- later sample fell in the minute, and the time they cover (covered_us), so
-- that a rate over any window is the sum of a counter over the sum of
-- covered_us. minute is the start of the minute in BIGINT microseconds
-- since the Unix epoch (UTC). A second write of a key adds its differences
-- (sums saturate at 2^63-1); speed (bits per second) and oper_up are those
-- of the latest sample (last_sample, microseconds), whichever write brings
-- it. Pruned with the flow minutes (flows.retention).

CREATE TABLE port_counter_minutes (
	minute       BIGINT NOT NULL,
	port         TEXT NOT NULL,
	covered_us   BIGINT NOT NULL,
	in_octets    BIGINT NOT NULL,
	out_octets   BIGINT NOT NULL,
	in_packets   BIGINT NOT NULL,
	out_packets  BIGINT NOT NULL,
	in_errors    BIGINT NOT NULL,
	out_errors   BIGINT NOT NULL,
	in_discards  BIGINT NOT NULL,
	out_discards BIGINT NOT NULL,
	samples      BIGINT NOT NULL,
	speed        BIGINT NOT NULL,
	oper_up      INTEGER NOT NULL,
	last_sample  BIGINT NOT NULL,
	PRIMARY KEY (minute, port)
);
