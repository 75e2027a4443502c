package api

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/vnetmap/vnetmap/internal/auth"
	"github.com/vnetmap/vnetmap/internal/check"
	"github.com/vnetmap/vnetmap/internal/collect"
	"github.com/vnetmap/vnetmap/internal/migrate"
	"github.com/vnetmap/vnetmap/internal/store"
)

// MaxBody is the largest request body accepted.
const MaxBody = 1 << 20

// decodeBody reads the JSON body of r into v: at most MaxBody bytes (413
// beyond), Content-Type application/json (415 otherwise), no unknown field
// and nothing after the value (400). An empty body is {} when
// emptyOK. It answers the error itself and reports whether v was read.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) bool {
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	defer body.Close()
	if r.ContentLength == 0 && emptyOK {
		return true
	}
	if ct := r.Header.Get("Content-Type"); ct == "" {
		writeError(w, http.StatusUnsupportedMediaType, "request body: Content-Type application/json required")
		return false
	} else if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "request body: Content-Type application/json required")
		return false
	}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); !errors.Is(terr, io.EOF) {
			err = errors.New("more data after the JSON value")
		}
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", MaxBody))
	case errors.Is(err, io.EOF):
		writeError(w, http.StatusBadRequest, "request body: empty; want a JSON object")
	case errors.As(err, &syntax):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("request body: malformed JSON at byte %d", syntax.Offset))
	case errors.As(err, &typ) && typ.Field == "":
		writeError(w, http.StatusBadRequest, "request body: want a JSON object")
	case errors.As(err, &typ):
		writeError(w, http.StatusBadRequest, fmt.Sprintf("request body: field %q: want a JSON %s", typ.Field, jsonKind(typ.Type)))
	case errors.Is(err, io.ErrUnexpectedEOF):
		writeError(w, http.StatusBadRequest, "request body: truncated JSON")
	default:
		// Unknown fields, roles and trailing data: the decoder's message
		// names the field, not the value.
		writeError(w, http.StatusBadRequest, "request body: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	return false
}

// textUnmarshaler is the type of encoding.TextUnmarshaler.
var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// jsonKind names the JSON type a Go type is read from: a string for a type
// that reads itself from text (a role, a time), else by its kind.
func jsonKind(t reflect.Type) string {
	if t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "string"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return "number"
}

// collectRequest is the body of POST /api/v1/collect.
type collectRequest struct {
	// Source is the source to run; every source when empty.
	Source string `json:"source"`
	// Wait makes the answer the runs' results rather than 202 at once.
	Wait bool `json:"wait"`
}

// CollectAnswer is the answer to POST /api/v1/collect.
type CollectAnswer struct {
	// Triggered are the sources asked to run (without wait).
	Triggered []string `json:"triggered,omitzero"`
	// Results are the runs' outcomes (with wait), as `vnetmap collect
	// --json` prints them.
	Results []collect.Result `json:"results,omitzero"`
}

// drsApplyRequest is the body of POST /api/v1/drs-rules/apply.
type drsApplyRequest struct {
	// Source is the vsphere source to apply to; the only one when empty.
	Source  string `json:"source"`
	Cluster string `json:"cluster"`
	Must    bool   `json:"must"`
}

// ackRequest is the body of POST /api/v1/findings/{rule}/{digest}/ack.
type ackRequest struct {
	Comment string `json:"comment"`
}

// actionError is the answer of an action that failed part-way: the error
// and what was done before it.
type actionError struct {
	Status int    `json:"status"`
	Error  string `json:"error"`
	Result any    `json:"result,omitempty"`
}

// actionHandlers are the operators' actions: run a collection now, apply
// the DRS rules, acknowledge a finding.
func actionHandlers(s *server) map[string]http.Handler {
	return map[string]http.Handler{
		"POST /api/v1/collect":                      http.HandlerFunc(s.collect),
		"POST /api/v1/drs-rules/apply":              http.HandlerFunc(s.drsApply),
		"POST /api/v1/findings/{rule}/{digest}/ack": http.HandlerFunc(s.ack),
	}
}

func (s *server) collect(w http.ResponseWriter, r *http.Request) {
	p, ok := allowed(w, r, auth.Operator)
	if !ok {
		return
	}
	var req collectRequest
	if !decodeBody(w, r, &req, true) || !namesBounded(w, [2]string{"source", req.Source}) {
		return
	}
	if s.collector == nil {
		writeError(w, http.StatusServiceUnavailable, "collection is not run by this process")
		return
	}
	s.logger.Info("collection triggered", "source", req.Source, "by", p.Name, "wait", req.Wait)
	var ans CollectAnswer
	var err error
	if req.Wait {
		ans.Results, err = s.collector.Run(r.Context(), req.Source)
		if ans.Results == nil {
			ans.Results = []collect.Result{} // no source: an empty list, not nothing
		}
	} else {
		ans.Triggered, err = s.collector.Trigger(req.Source)
		if ans.Triggered == nil {
			ans.Triggered = []string{}
		}
	}
	switch {
	case errors.Is(err, collect.ErrUnknownSource):
		writeError(w, http.StatusNotFound, "no source named "+req.Source)
	case errors.Is(err, collect.ErrNotRunning):
		writeError(w, http.StatusServiceUnavailable, "collection is not running (shutting down)")
	case err != nil && r.Context().Err() != nil:
		// The client went away; nobody reads this.
		writeError(w, http.StatusServiceUnavailable, "request cancelled")
	case err != nil:
		s.internal(w, "collect", err)
	case req.Wait:
		writeJSON(w, http.StatusOK, ans)
	default:
		writeJSON(w, http.StatusAccepted, ans)
	}
}

func (s *server) drsApply(w http.ResponseWriter, r *http.Request) {
	p, ok := allowed(w, r, auth.Operator)
	if !ok {
		return
	}
	var req drsApplyRequest
	if !decodeBody(w, r, &req, true) || !namesBounded(w, [2]string{"source", req.Source}, [2]string{"cluster", req.Cluster}) {
		return
	}
	if s.applyDRS == nil {
		writeError(w, http.StatusServiceUnavailable, "DRS rules are not applied by this process")
		return
	}
	g, err := s.q.Cache.At(r.Context(), time.Time{})
	if err != nil {
		s.reply(w, nil, err)
		return
	}
	plan, err := migrate.DRSRules(g, migrate.DRSOptions{Cluster: req.Cluster, Must: req.Must})
	if err != nil {
		s.reply(w, nil, err)
		return
	}
	s.logger.Info("applying DRS rules", "source", req.Source, "cluster", req.Cluster, "must", req.Must, "by", p.Name)
	res, err := s.applyDRS(r.Context(), req.Source, plan)
	switch {
	case errors.Is(err, ErrInvalidAction):
		writeError(w, http.StatusBadRequest, strings.TrimPrefix(err.Error(), ErrInvalidAction.Error()+": "))
	case err != nil:
		s.logger.Error("applying DRS rules failed", "source", req.Source, "by", p.Name, "error", err)
		writeJSON(w, http.StatusBadGateway, actionError{Status: http.StatusBadGateway, Error: "applying DRS rules to vCenter failed: " + err.Error(), Result: res})
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

func (s *server) ack(w http.ResponseWriter, r *http.Request) {
	p, ok := allowed(w, r, auth.Operator)
	if !ok {
		return
	}
	var req ackRequest
	if !decodeBody(w, r, &req, true) {
		return
	}
	if len(req.Comment) > store.MaxAckComment {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("comment: longer than %d bytes", store.MaxAckComment))
		return
	}
	if strings.ContainsFunc(req.Comment, func(c rune) bool { return unicode.IsControl(c) && c != '\n' && c != '\t' }) {
		writeError(w, http.StatusBadRequest, "comment: control characters other than newline and tab")
		return
	}
	id := r.PathValue("rule") + "/" + r.PathValue("digest")
	found, err := s.q.Findings(r.Context(), time.Time{}, check.Options{})
	if err != nil {
		s.reply(w, nil, err)
		return
	}
	known := false
	for _, f := range found.Findings {
		if f.ID == id {
			known = true
			break
		}
	}
	if !known {
		writeError(w, http.StatusNotFound, "no current finding "+id)
		return
	}
	a := store.Ack{Finding: id, By: p.Name, At: time.Now().UTC().Truncate(time.Microsecond), Comment: req.Comment}
	if err := s.q.Store.AckFinding(r.Context(), a); err != nil {
		s.internal(w, "acknowledge finding", err)
		return
	}
	s.logger.Info("finding acknowledged", "finding", id, "by", p.Name)
	writeJSON(w, http.StatusOK, a)
}
