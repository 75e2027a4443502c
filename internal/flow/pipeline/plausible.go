package pipeline

import (
	"math"
	"net/netip"

	"github.com/vnetmap/vnetmap/internal/flow/decode"
)

// Why an sFlow flow sample is not summed, as
// vnetmap_flow_implausible_samples_total counts it (the reason label).
const (
	// implausibleAbsurd: its sampling rate times its frame length is over
	// maxSampleBytes, whatever the interface.
	implausibleAbsurd = iota
	// implausibleOverSpeed: more than its interface carries in a minute.
	implausibleOverSpeed
	nImplausible
)

var implausibleReasons = [nImplausible]string{"absurd", "over_speed"}

// A sampled packet stands for rate packets of its length. The estimate is
// summed into one minute's aggregate, so it cannot exceed what the
// interface carries in a minute at its speed (the ifSpeed of its counter
// samples; the larger of the input's and the output's when both are known).
// An interface of unknown speed is only held to maxSampleBytes, which no
// minute of a 100 Gb/s port (750 GB) reaches. Estimates below
// minSpeedCheckBytes (a minute of 10 Mb/s) fit any port and are not looked
// up, so the usual sample costs one multiplication.
const (
	maxSampleBytes     = 1 << 40
	minSpeedCheckBytes = 10e6 / 8 * 60
	speedWindowSeconds = 60
)

// implausible tells whether the sFlow sample r cannot be summed, and why.
func (c *Component) implausible(r *decode.Record) (int, bool) {
	est := mulSat(r.Bytes, uint64(max(r.SamplingRate, 1)))
	switch {
	case est > maxSampleBytes:
		return implausibleAbsurd, true
	case est <= minSpeedCheckBytes:
		return 0, false
	}
	speed := c.counters.speed(r.Exporter, r.Domain, r.InIf, r.OutIf)
	if speed != 0 && est > speed/8*speedWindowSeconds {
		return implausibleOverSpeed, true
	}
	return 0, false
}

// mulSat is x × y, or the largest uint64 when that overflows.
func mulSat(x, y uint64) uint64 {
	if y != 0 && x > math.MaxUint64/y {
		return math.MaxUint64
	}
	return x * y
}

// speed returns the larger known speed (bits per second) of interfaces in
// and out of agent's sub-agent domain, from their last counter sample; 0
// when neither is known.
func (t *counterTracker) speed(agent netip.Addr, domain, in, out uint32) uint64 {
	agent = agent.Unmap()
	t.mu.Lock()
	defer t.mu.Unlock()
	var s uint64
	for _, ifIndex := range [2]uint32{in, out} {
		if st := t.states[ifKey{agent, domain, ifIndex}]; ifIndex != 0 && st != nil {
			s = max(s, st.speed)
		}
	}
	return s
}
