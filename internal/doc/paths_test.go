package doc

import (
	"regexp"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/model"
)

func TestSlug(t *testing.T) {
	tests := []struct{ name, want string }{
		{"esx01", "esx01"},
		{"esx01.example.com", "esx01.example.com"},
		{"../../etc/passwd", "etc-passwd-"},
		{"a/b", "a-b-"},
		{"Zahlung/Ünï", "Zahlung-n-"},
		{"..", ""},
		{".hidden", "hidden-"},
		{"CON", "CON-"},
		{"", ""},
		{strings.Repeat("x", 100), strings.Repeat("x", maxSlug) + "-"},
	}
	for _, tt := range tests {
		got := slug(model.NewID(model.KindApplication, tt.name), tt.name)
		if tt.want == tt.name && tt.name != "" && got != tt.want || tt.want != tt.name && !strings.HasPrefix(got, tt.want) {
			t.Errorf("slug(%q) = %q; want %q (plus a digest when changed)", tt.name, got, tt.want)
		}
		if (tt.want != tt.name || tt.name == "") && len(got) < 8 {
			t.Errorf("slug(%q) = %q: a changed name has no digest", tt.name, got)
		}
	}
	p := newPager()
	a, b := p.add("apps", "application:Web", "Web"), p.add("apps", "application:web", "web")
	if strings.EqualFold(a, b) {
		t.Errorf("Web and web share a page on a case-insensitive file system: %s, %s", a, b)
	}
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// FuzzSlug: whatever an entity is named, its file name is one safe path
// element, and two IDs never share one.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{"esx01", "../../etc/passwd", "a/b\\c", "Ünï", "..", ".", "CON.txt", "\x00", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		id := model.NewID(model.KindHost, name)
		s := slug(id, name)
		if !safeName.MatchString(s) || strings.Contains(s, "..") || len(s) > maxSlug+9 {
			t.Fatalf("slug(%q) = %q: not a safe file name", name, s)
		}
		if other := slug(model.NewID(model.KindHost, name+"/x"), name+"/x"); other == s {
			t.Fatalf("slug(%q) = slug(%q) = %q", name, name+"/x", s)
		}
	})
}
