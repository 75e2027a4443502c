package api

import (
	"net/url"
	"strings"
	"testing"
)

// TestVLANAndHistoryAPI: the VLAN, port-group and history routes answer,
// with the interface's slashes in the path, and refuse bad pages.
func TestVLANAndHistoryAPI(t *testing.T) {
	srv := uiServer(t)
	tests := []struct {
		path   string
		params url.Values
		status int
		want   string
	}{
		{"/api/v1/vlan/110", nil, 200, `"name": "Ethernet1/1"`},
		{"/api/v1/vlan/vlan:110", nil, 200, `"vid": 110`},
		{"/api/v1/vlan/999", nil, 404, `no switch or port group has VLAN 999`},
		{"/api/v1/vlan/abc", nil, 400, `want a VLAN ID from 1 to 4094`},
		{"/api/v1/portgroup/nope", nil, 404, `no port group named \"nope\"`},
		{"/api/v1/history/port/leaf1/Ethernet1/1", nil, 200, `"neighbor": "LLDP esx01 vmnic0"`},
		{"/api/v1/history/port/leaf1/eth1/1", url.Values{"limit": {"1"}}, 200, `"limit": 1`},
		{"/api/v1/history/port/leaf1/Ethernet9/9", nil, 404, `no port on leaf1 named \"Ethernet9/9\"`},
		{"/api/v1/history/port/leaf1/Ethernet1/1", url.Values{"limit": {"1001"}}, 400, `limit: want a number from 1 to 1000`},
		{"/api/v1/history/port/leaf1/Ethernet1/1", url.Values{"offset": {"-1"}}, 400, `offset: want a number from 0`},
		{"/api/v1/history/mac/00:25:b5:00:00:01", nil, 200, `"pnic": "esx01/vmnic0"`},
		{"/api/v1/history/mac/nomac", nil, 400, `is not a MAC address`},
	}
	for _, tt := range tests {
		t.Run(tt.path+"?"+tt.params.Encode(), func(t *testing.T) {
			status, body := get(t, srv, tt.path, tt.params)
			if status != tt.status || !strings.Contains(string(body), tt.want) {
				t.Errorf("GET %s?%s = %d %s; want %d with %s", tt.path, tt.params.Encode(), status, body, tt.status, tt.want)
			}
		})
	}
}
