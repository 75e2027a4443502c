package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/vnetmap/vnetmap/internal/query"
)

// Bounds on what a request to a route may carry, in bytes. Past one, the
// route answers 400 naming the parameter and its bound before its handler
// runs, so that no value reaches a query (a SQLite LIKE pattern is refused
// past 50,000 bytes) or a log line unbounded.
const (
	// MaxQuery is the longest query string (what follows the ?) but that
	// of the topology.
	MaxQuery = 4096
	// maxTopologyQuery is the longest query string of the topology: room
	// for as many groups to expand as it takes, each ID escaped in 128
	// bytes with its "&expand=".
	maxTopologyQuery = query.MaxTopologyExpand * 128
	// MaxName is the longest path value, and the longest query parameter
	// naming something: a VM, host, switch, port, cluster, application,
	// flow target, search text or list of rules (a vSphere name is at most
	// 80 characters: 320 bytes of UTF-8).
	MaxName = 512
	// maxMoment is the longest time or duration (at, from, to, since).
	maxMoment = 64
	// maxWord is the longest keyword, number or boolean (limit, offset,
	// severity, group, datacenter, must).
	maxWord = 16
)

// param is a query parameter a route reads, and the longest value it
// accepts.
type param struct {
	name string
	max  int
}

// atParam is the ?at= of the queries of a past moment.
var atParam = param{"at", maxMoment}

// routeParams are the query parameters each route reads; a route not
// listed reads none. Every parameter of a route is bounded here, and only
// here (TestParamsDocumented checks openapi.json says the same).
var routeParams = map[string][]param{
	"GET /api/v1/where/{x}":                       {atParam},
	"GET /api/v1/history/{vm}":                    {atParam},
	"GET /api/v1/impact/{target...}":              {atParam},
	"GET /api/v1/path/{a}/{b}":                    {atParam},
	"GET /api/v1/diff":                            {{"from", maxMoment}, {"to", maxMoment}},
	"GET /api/v1/findings":                        {atParam, {"severity", maxWord}, {"rule", MaxName}},
	"GET /api/v1/summary":                         {atParam},
	"GET /api/v1/search":                          {{"q", MaxName}, {"limit", maxWord}, atParam},
	"GET /api/v1/topology":                        {{"group", maxWord}, {"expand", MaxName}, atParam},
	"GET /api/v1/host/{name}":                     {atParam},
	"GET /api/v1/switch/{name}":                   {atParam},
	"GET /api/v1/application/{name}":              {atParam},
	"GET /api/v1/placements/{vm}":                 {atParam},
	"GET /api/v1/vlan/{id}":                       {atParam},
	"GET /api/v1/portgroup/{name}":                {atParam},
	"GET /api/v1/history/port/{switch}/{port...}": pageParams,
	"GET /api/v1/history/mac/{mac}":               pageParams,
	"GET /api/v1/flows/deps":                      {{"target", MaxName}, {"since", maxMoment}, {"from", maxMoment}, {"to", maxMoment}},
	"GET /api/v1/flows/links":                     {{"target", MaxName}, {"since", maxMoment}, {"from", maxMoment}, {"to", maxMoment}},
	"GET /api/v1/migrate-check/{vm}":              {{"to", MaxName}, {"datacenter", maxWord}, atParam},
	"GET /api/v1/drs-rules":                       {{"cluster", MaxName}, {"must", maxWord}, atParam},
}

// routeQueryMax are the routes whose query string may be longer than
// MaxQuery, and how long.
var routeQueryMax = map[string]int{"GET /api/v1/topology": maxTopologyQuery}

// bounded returns the handler of route behind its bounds: the query string
// well-formed and at most MaxQuery bytes (or routeQueryMax's), each path
// value at most MaxName bytes, each value of each parameter of
// routeParams at most its max.
// Anything else is a 400 naming what is too long and the bound.
func bounded(route string, next http.Handler) http.Handler {
	_, pattern, _ := strings.Cut(route, " ")
	wildcards := wildcardNames(pattern)
	params := routeParams[route]
	maxQuery := MaxQuery
	if m, ok := routeQueryMax[route]; ok {
		maxQuery = m
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := len(r.URL.RawQuery); n > maxQuery {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("query string: %d bytes, longer than the %d allowed", n, maxQuery))
			return
		}
		for _, name := range wildcards {
			if err := longerThan("path value {"+name+"}", r.PathValue(name), MaxName); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		if r.URL.RawQuery != "" {
			values, err := url.ParseQuery(r.URL.RawQuery)
			if err != nil {
				writeError(w, http.StatusBadRequest, "query string: "+err.Error())
				return
			}
			for _, p := range params {
				for _, v := range values[p.name] {
					if err := longerThan("query parameter "+p.name, v, p.max); err != nil {
						writeError(w, http.StatusBadRequest, err.Error())
						return
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// longerThan returns a request error naming what when v is longer than max
// bytes.
func longerThan(what, v string, max int) error {
	if len(v) > max {
		return badRequest(fmt.Sprintf("%s: %d bytes, longer than the %d allowed", what, len(v), max))
	}
	return nil
}

// wildcardNames returns the names of the wildcards of a ServeMux path
// pattern ("{x}", "{target...}").
func wildcardNames(pattern string) []string {
	var names []string
	for seg := range strings.SplitSeq(pattern, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(strings.TrimSuffix(name, "}"), "...")
			if name != "$" {
				names = append(names, name)
			}
		}
	}
	return names
}

// namesBounded answers 400 naming the first of a request body's fields
// (name, value) longer than MaxName bytes, and reports whether none is:
// the names a body carries are bounded as those of a query are.
func namesBounded(w http.ResponseWriter, fields ...[2]string) bool {
	for _, f := range fields {
		if err := longerThan(f[0], f[1], MaxName); err != nil {
			writeError(w, http.StatusBadRequest, "request body: "+err.Error())
			return false
		}
	}
	return true
}
