package hostport

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestListen(t *testing.T) {
	tests := []struct {
		name, addr string
		wantHost   string
		wantPort   uint16
		wantErr    string
	}{
		{"ip and port", "127.0.0.1:8080", "127.0.0.1", 8080, ""},
		{"every address", ":2055", "", 2055, ""},
		{"ipv6", "[::1]:443", "::1", 443, ""},
		{"name", "localhost:8443", "localhost", 8443, ""},
		{"highest port", "127.0.0.1:65535", "127.0.0.1", 65535, ""},
		{"free port", "127.0.0.1:0", "127.0.0.1", 0, ""},
		{"port too large", "127.0.0.1:99999", "", 0, `"127.0.0.1:99999": port "99999" is not a number from 0 to 65535`},
		{"port 65536", ":65536", "", 0, `port "65536" is not a number`},
		{"negative port", ":-1", "", 0, `port "-1" is not a number`},
		{"signed port", ":+80", "", 0, `port "+80" is not a number`},
		{"named port", ":http", "", 0, `port "http" is not a number`},
		{"empty port", "127.0.0.1:", "", 0, `port "" is not a number`},
		{"no port", "127.0.0.1", "", 0, "not host:port (missing port in address)"},
		{"empty", "", "", 0, "not host:port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host, port, err := Listen(tt.addr)
			if tt.wantErr == "" {
				if err != nil || host != tt.wantHost || port != tt.wantPort {
					t.Fatalf("Listen(%q) = %q, %d, %v; want %q, %d", tt.addr, host, port, err, tt.wantHost, tt.wantPort)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Listen(%q) error %v; want an *Error with %q", tt.addr, err, tt.wantErr)
			}
		})
	}
}

func TestURLPort(t *testing.T) {
	tests := []struct {
		name, url, wantErr string
	}{
		{"no port", "https://vc.example.com/sdk", ""},
		{"port", "https://vc.example.com:8443/sdk", ""},
		{"ipv6 port", "https://[::1]:443/sdk", ""},
		{"port too large", "https://vc.example.com:99999/sdk?token=s3cret", `"vc.example.com:99999": port "99999" is not a number from 1 to 65535`},
		{"port zero", "https://hooks.example.com:0/x", `port "0" is not a number from 1 to 65535`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			err = URLPort(u)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("URLPort(%s): %v; want none", tt.url, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("URLPort(%s): %v; want %q", tt.url, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the URL's query", err)
			}
		})
	}
}
