package check

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vnetmap/vnetmap/internal/hostport"
	"github.com/vnetmap/vnetmap/internal/secret"
)

// WebhookConfiguration is one URL that receives findings as they appear
// and clear. The signing secret is never in the configuration: it is read
// from SecretFile or the environment variable SecretEnv at each delivery.
type WebhookConfiguration struct {
	// Name identifies the webhook in logs and metrics (the URL is never
	// logged: it may hold a token). Default "webhook-N", N from 1.
	Name string `yaml:"name"`
	// URL receives a POST per event; http or https, no credentials in it.
	URL string `yaml:"url"`
	// SecretFile is a file holding the HMAC key (a trailing newline is
	// ignored); with it each POST has a signature header. At most one of
	// SecretFile and SecretEnv.
	SecretFile string `yaml:"secret_file"`
	// SecretEnv is the name of an environment variable holding the key.
	SecretEnv string `yaml:"secret_env"`
	// MinSeverity is the least bad severity posted (default warning).
	MinSeverity Severity `yaml:"min_severity"`
	// Rules posts the findings of these rules only (every rule when empty).
	Rules []string `yaml:"rules"`
	// Timeout bounds one POST (default 10s).
	Timeout time.Duration `yaml:"timeout"`
	// Retries is how many times a failed POST is tried again (default 3,
	// at most 10), waiting RetryBackoff, then twice as long each time, up
	// to a minute.
	Retries      int           `yaml:"retries"`
	RetryBackoff time.Duration `yaml:"retry_backoff"`
}

// Webhook defaults.
const (
	DefaultWebhookTimeout = 10 * time.Second
	DefaultWebhookRetries = 3
	DefaultRetryBackoff   = time.Second
	maxRetries            = 10
	maxBackoff            = time.Minute
	// queueSize bounds the events waiting for one webhook; beyond it new
	// events are dropped and counted.
	queueSize = 10000
)

// Header names of a delivery.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256 of the body
	// with the webhook's secret.
	HeaderSignature = "X-Vnetmap-Signature"
	// HeaderEvent is the event: appeared or cleared.
	HeaderEvent = "X-Vnetmap-Event"
)

// ErrWebhookConfig is wrapped by the validation errors of a webhook.
var ErrWebhookConfig = errors.New("check: bad webhook")

var webhookName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// withDefaults returns c with the defaults of what it leaves out; i is
// its position (for the default name).
func (c WebhookConfiguration) withDefaults(i int) WebhookConfiguration {
	if c.Name == "" {
		c.Name = fmt.Sprintf("webhook-%d", i+1)
	}
	if c.MinSeverity == "" {
		c.MinSeverity = Warning
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultWebhookTimeout
	}
	if c.Retries == 0 {
		c.Retries = DefaultWebhookRetries
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	return c
}

// Validate checks the webhook and names the first bad field; it does not
// read the secret.
func (c WebhookConfiguration) Validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrWebhookConfig, field, fmt.Sprintf(format, args...))
	}
	if c.Name != "" && !webhookName.MatchString(c.Name) {
		return bad("name", "%q must be letters, digits, '.', '_' or '-'", c.Name)
	}
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return bad("url", "required")
	case err != nil:
		return bad("url", "not a URL") // the error would repeat the URL
	case u.Scheme != "http" && u.Scheme != "https":
		return bad("url", "scheme %q: want http or https", u.Scheme)
	case u.Host == "":
		return bad("url", "no host")
	case hostport.URLPort(u) != nil:
		return bad("url", "%v", hostport.URLPort(u))
	case u.User != nil:
		return bad("url", "credentials in the URL: use secret_file or secret_env")
	}
	if c.SecretFile != "" && c.SecretEnv != "" {
		return bad("secret_env", "secret_file and secret_env are exclusive")
	}
	if c.MinSeverity != "" && c.MinSeverity.rank() == 0 {
		return bad("min_severity", "%q: want critical, warning or info", c.MinSeverity)
	}
	if err := (Options{Rules: c.Rules}).Validate(); err != nil {
		return bad("rules", "%v", err)
	}
	if c.Timeout < 0 || c.RetryBackoff < 0 {
		return bad("timeout", "negative duration")
	}
	if c.Retries < 0 || c.Retries > maxRetries {
		return bad("retries", "%d: want 0 to %d", c.Retries, maxRetries)
	}
	return nil
}

// secret reads the signing key; nil without one.
func (c WebhookConfiguration) secret() ([]byte, error) {
	switch {
	case c.SecretFile != "":
		v, err := secret.Line(c.SecretFile)
		if err != nil {
			return nil, fmt.Errorf("secret_file: %w", err)
		}
		return []byte(v), nil
	case c.SecretEnv != "":
		v := os.Getenv(c.SecretEnv)
		if v == "" {
			return nil, fmt.Errorf("secret_env: environment variable %s is empty or unset", c.SecretEnv)
		}
		return []byte(v), nil
	}
	return nil, nil
}

// Event kinds.
const (
	EventAppeared = "appeared"
	EventCleared  = "cleared"
)

// Event is the body of a webhook POST: a finding that appeared or cleared
// at the moment of the map that showed it (a cleared finding as it was
// last seen).
type Event struct {
	Event   string    `json:"event"`
	Finding Finding   `json:"finding"`
	At      time.Time `json:"at"`
}

// Changes returns the findings of cur whose ID is not in prev (appeared)
// and those of prev whose ID is not in cur (cleared), each sorted as Run
// sorts.
func Changes(prev, cur []Finding) (appeared, cleared []Finding) {
	before := make(map[string]bool, len(prev))
	for _, f := range prev {
		before[f.ID] = true
	}
	now := make(map[string]bool, len(cur))
	for _, f := range cur {
		now[f.ID] = true
		if !before[f.ID] {
			appeared = append(appeared, f)
		}
	}
	for _, f := range prev {
		if !now[f.ID] {
			cleared = append(cleared, f)
		}
	}
	return appeared, cleared
}

// Notifier posts findings that appear and clear to the configured webhooks,
// one worker per webhook delivering its events in order. Notify is safe
// for concurrent use; Start and Stop are called once each.
type Notifier struct {
	hooks   []*hook
	logger  *slog.Logger
	metrics *metrics
	seen    SeenRecorder

	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
	cancel  context.CancelFunc
}

type hook struct {
	cfg    WebhookConfiguration
	opts   Options
	client *http.Client
	queue  chan Event
}

// NewNotifier validates the webhooks and returns a notifier for them (none
// is fine: Watch still records its metrics). logger must not be nil.
func NewNotifier(webhooks []WebhookConfiguration, logger *slog.Logger, reg prometheus.Registerer) (*Notifier, error) {
	n := &Notifier{logger: logger, metrics: newMetrics(reg)}
	names := map[string]bool{}
	for i, c := range webhooks {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("webhooks[%d]: %w", i, err)
		}
		c = c.withDefaults(i)
		if names[c.Name] {
			return nil, fmt.Errorf("webhooks[%d]: %w: name: duplicate %q", i, ErrWebhookConfig, c.Name)
		}
		names[c.Name] = true
		if _, err := c.secret(); err != nil {
			return nil, fmt.Errorf("webhooks[%d] (%s): %w: %w", i, c.Name, ErrWebhookConfig, err)
		}
		n.hooks = append(n.hooks, &hook{cfg: c, opts: Options{Rules: c.Rules, MinSeverity: c.MinSeverity},
			client: &http.Client{Timeout: c.Timeout}, queue: make(chan Event, queueSize)})
	}
	return n, nil
}

// SeenRecorder keeps when each finding was first and last seen (the
// store does). SeeFindings is called from one goroutine at a time.
type SeenRecorder interface {
	SeeFindings(ctx context.Context, ids []string, t time.Time) error
}

// RecordSeen makes Watch record the IDs of each evaluation's findings in r
// at the moment of the evaluation. Call it before Watch starts.
func (n *Notifier) RecordSeen(r SeenRecorder) { n.seen = r }

// Start launches one delivery worker per webhook; they stop with ctx or
// Stop.
func (n *Notifier) Start(ctx context.Context) {
	ctx, n.cancel = context.WithCancel(ctx)
	for _, h := range n.hooks {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			n.deliverAll(ctx, h)
		}()
	}
}

// Stop stops the workers and waits for them; events not yet delivered are
// dropped.
func (n *Notifier) Stop() {
	n.mu.Lock()
	if !n.stopped {
		n.stopped = true
		for _, h := range n.hooks {
			close(h.queue)
		}
	}
	n.mu.Unlock()
	if n.cancel != nil {
		n.cancel()
	}
	n.wg.Wait()
}

// Notify queues an event for every finding that appeared or cleared
// between prev and cur, for each webhook whose severity and rules select
// it. at is the moment of the map cur comes from. It never blocks: a full
// queue drops the event (counted, and logged once per call).
func (n *Notifier) Notify(prev, cur []Finding, at time.Time) {
	appeared, cleared := Changes(prev, cur)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return
	}
	for _, h := range n.hooks {
		dropped := 0
		for _, ev := range events(appeared, cleared, at) {
			if !h.opts.Keep(ev.Finding) {
				continue
			}
			select {
			case h.queue <- ev:
			default:
				dropped++
			}
		}
		if dropped > 0 {
			n.metrics.deliveries.WithLabelValues(h.cfg.Name, "dropped").Add(float64(dropped))
			n.logger.Warn("webhook queue full, events dropped", "webhook", h.cfg.Name, "dropped", dropped)
		}
	}
}

// events lists the appeared then the cleared findings as events.
func events(appeared, cleared []Finding, at time.Time) []Event {
	out := make([]Event, 0, len(appeared)+len(cleared))
	for _, f := range appeared {
		out = append(out, Event{Event: EventAppeared, Finding: f, At: at.UTC()})
	}
	for _, f := range cleared {
		out = append(out, Event{Event: EventCleared, Finding: f, At: at.UTC()})
	}
	return out
}

// observe records an evaluation's findings in the metrics.
func (n *Notifier) observe(fs []Finding, took time.Duration) {
	counts := map[Severity]int{Critical: 0, Warning: 0, Info: 0}
	for _, f := range fs {
		counts[f.Severity]++
	}
	for s, c := range counts {
		n.metrics.findings.WithLabelValues(string(s)).Set(float64(c))
	}
	n.metrics.duration.Observe(took.Seconds())
	n.metrics.evaluations.WithLabelValues("success").Inc()
}

// deliverAll posts the webhook's events in order until its queue closes
// or ctx ends.
func (n *Notifier) deliverAll(ctx context.Context, h *hook) {
	for ev := range h.queue {
		if ctx.Err() != nil {
			return
		}
		result := "success"
		if err := n.deliver(ctx, h, ev); err != nil {
			result = "failure"
			n.logger.Error("webhook delivery failed", "webhook", h.cfg.Name, "event", ev.Event, "finding", ev.Finding.ID, "error", err)
		}
		n.metrics.deliveries.WithLabelValues(h.cfg.Name, result).Inc()
	}
}

// deliver posts one event, retrying with exponential backoff on network
// errors, 408, 429 and 5xx.
func (n *Notifier) deliver(ctx context.Context, h *hook, ev Event) error {
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	wait := h.cfg.RetryBackoff
	var last error
	for attempt := 0; attempt <= h.cfg.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait = min(2*wait, maxBackoff)
		}
		retry, err := n.post(ctx, h, ev.Event, body)
		if err == nil {
			return nil
		}
		last = fmt.Errorf("attempt %d of %d: %w", attempt+1, h.cfg.Retries+1, err)
		if !retry {
			break
		}
		n.logger.Debug("webhook delivery will be retried", "webhook", h.cfg.Name, "error", err)
	}
	return last
}

// post sends one POST; retry says whether a failure is worth retrying.
func (n *Notifier) post(ctx context.Context, h *hook, event string, body []byte) (retry bool, err error) {
	secret, err := h.cfg.secret()
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return false, errors.New("cannot build the request") // the error would repeat the URL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vnetmap")
	req.Header.Set(HeaderEvent, event)
	if secret != nil {
		req.Header.Set(HeaderSignature, Sign(secret, body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return true, redactURL(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		return true, fmt.Errorf("status %s", resp.Status)
	}
	return false, fmt.Errorf("status %s", resp.Status)
}

// redactURL drops the URL from a client error (it may hold a token).
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// Sign returns the signature header value of body with secret:
// "sha256=" and the hex HMAC-SHA256.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
