// Package web serves vnetmap's web UI on the same port as the REST API: the
// front-end in web/ (Preact and Cytoscape.js, built by Vite into dist/ui by
// `make build`), embedded into the binary, so the UI needs no network
// access beyond the binary that serves it.
//
// It is not for answering questions: the UI calls the REST API (package
// api) like any other client, and this package only routes a request to the
// API or to a file of the bundle.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// dist holds the built UI under ui/ after `make build`; before, only a
// placeholder.
//
//go:embed all:dist
var dist embed.FS

// bundle is the built UI, or nil when the binary was built without it.
var bundle = func() fs.FS {
	ui, err := fs.Sub(dist, "dist/ui")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(ui, "index.html"); err != nil {
		return nil
	}
	return ui
}()

// Built reports whether the binary holds the built UI (else Handler serves
// a page saying how to build it).
func Built() bool { return bundle != nil }

// Handler returns the handler of the whole port: the API's paths (/api/,
// /healthz, /readyz, /metrics) go to api, every other path to the UI. The UI answers
// GET and HEAD with a file of the bundle, or with index.html for any path
// that is no file (the UI's own routes: /vm/web01, /topology…); a missing
// file under /assets/ is a 404.
func Handler(api http.Handler) http.Handler {
	return newHandler(api, bundle)
}

func newHandler(api http.Handler, ui fs.FS) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/healthz", api)
	mux.Handle("/readyz", api)
	mux.Handle("/metrics", api)
	if ui == nil {
		mux.HandleFunc("/", notBuilt)
	} else {
		mux.Handle("/", &files{fs: ui, server: http.FileServerFS(ui)})
	}
	return mux
}

// files serves the bundle.
type files struct {
	fs     fs.FS
	server http.Handler
}

func (f *files) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	securityHeaders(w.Header())
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name != "" && name != "index.html" {
		if st, err := fs.Stat(f.fs, name); err == nil && !st.IsDir() {
			if strings.HasPrefix(name, "assets/") {
				// Vite names assets by their content hash.
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			}
			f.server.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(name, "assets/") {
			http.NotFound(w, r)
			return
		}
	}
	index, err := fs.ReadFile(f.fs, "index.html")
	if err != nil {
		http.Error(w, "web UI: index.html: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(index)
}

// securityHeaders keeps the UI to its own origin: no inline scripts, no
// framing, no external fetches.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vnetmap</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto">
<h1>vnetmap</h1>
<p>This binary was built without its web UI. Build it with <code>make build</code>
(Node.js and npm: it runs <code>npm ci</code> and <code>npm run build</code> in <code>web/</code>,
then <code>go build</code>).</p>
<p>The REST API is served: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
</body></html>
`

func notBuilt(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(notBuiltPage))
	}
}
