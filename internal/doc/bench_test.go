package doc_test

import (
	"context"
	"testing"

	"github.com/vnetmap/vnetmap/internal/doc"
)

// BenchmarkBuild measures making the content from the gathered input (the
// scenario's map); the 10,000-VM figures are in BENCHMARKS.md.
func BenchmarkBuild(b *testing.B) {
	in, err := doc.Gather(context.Background(), scenario(b).Store, apps, doc.Options{Since: t0})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		doc.Build(in)
	}
}

// BenchmarkRender measures laying the diagrams out (Graphviz in
// WebAssembly) and rendering both formats.
func BenchmarkRender(b *testing.B) {
	s := site(b, scenario(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := doc.Render(context.Background(), s, []string{doc.FormatMarkdown, doc.FormatHTML}); err != nil {
			b.Fatal(err)
		}
	}
}
