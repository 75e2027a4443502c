package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnetmap/vnetmap/internal/check"
)

func TestExampleWebhooks(t *testing.T) {
	c, err := Load("../../vnetmap.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Webhooks) != 1 {
		t.Fatalf("got %d webhooks; want 1", len(c.Webhooks))
	}
	w := c.Webhooks[0]
	if w.Name != "noc" || w.URL != "https://hooks.example.com/vnetmap" || w.SecretFile != "/etc/vnetmap/webhook.secret" ||
		w.MinSeverity != check.Warning || w.Timeout != 10*time.Second || w.Retries != 3 || w.RetryBackoff != time.Second {
		t.Errorf("webhook = %+v", w)
	}
}

func TestDecodeWebhooks(t *testing.T) {
	tests := []struct{ name, yaml, wantErr string }{
		{"good", "webhooks:\n  - url: https://hooks.example.com/x\n    secret_env: HOOK_KEY\n    min_severity: critical\n", ""},
		{"bad url", "webhooks:\n  - url: ftp://hooks.example.com/x\n", `webhooks[0]: check: bad webhook: url: scheme "ftp"`},
		{"bad severity", "webhooks:\n  - url: https://h/x\n    min_severity: loud\n", "webhooks[0]: check: bad webhook: min_severity"},
		{"unknown key", "webhooks:\n  - url: https://h/x\n    secret: inline\n", "field secret not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tt.yaml))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Decode = %v; want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid)):
				t.Errorf("Decode = %v; want an ErrInvalid with %q", err, tt.wantErr)
			}
		})
	}
}
