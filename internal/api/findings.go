package api

import (
	"net/http"
	"strings"

	"github.com/vnetmap/vnetmap/internal/check"
)

// findingsOptions reads the filters of GET /api/v1/findings: ?severity=
// (the least bad severity shown) and ?rule= (comma-separated or repeated).
// Unknown values are an error wrapping check.ErrBadOptions.
func findingsOptions(r *http.Request) (check.Options, error) {
	var opts check.Options
	q := r.URL.Query()
	if s := q.Get("severity"); s != "" {
		sev, err := check.ParseSeverity(s)
		if err != nil {
			return opts, err
		}
		opts.MinSeverity = sev
	}
	for _, v := range q["rule"] {
		for r := range strings.SplitSeq(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				opts.Rules = append(opts.Rules, r)
			}
		}
	}
	return opts, opts.Validate()
}
