package api

import (
	"errors"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/vnetmap/vnetmap/internal/check"
)

func TestFindingsOptions(t *testing.T) {
	tests := []struct {
		query string
		want  check.Options
		err   bool
	}{
		{"", check.Options{}, false},
		{"severity=Warning", check.Options{MinSeverity: check.Warning}, false},
		{"rule=vlan-not-carried,mtu-mismatch&rule=+mac-duplicate", check.Options{Rules: []string{"vlan-not-carried", "mtu-mismatch", "mac-duplicate"}}, false},
		{"severity=loud", check.Options{}, true},
		{"rule=vlan-not-carried,nope", check.Options{}, true},
	}
	for _, tt := range tests {
		got, err := findingsOptions(httptest.NewRequest("GET", "/api/v1/findings?"+tt.query, nil))
		if tt.err {
			if !errors.Is(err, check.ErrBadOptions) {
				t.Errorf("%q: err = %v; want check.ErrBadOptions", tt.query, err)
			}
			continue
		}
		if err != nil || got.MinSeverity != tt.want.MinSeverity || !slices.Equal(got.Rules, tt.want.Rules) {
			t.Errorf("%q = %+v, %v; want %+v", tt.query, got, err, tt.want)
		}
	}
}
