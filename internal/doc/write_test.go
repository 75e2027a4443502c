package doc_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vnetmap/vnetmap/internal/doc"
)

// tree lists every file and link under dir with its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			l, _ := os.Readlink(p)
			m[p] = "-> " + l
		} else if !d.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			m[p] = string(data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteRefuses(t *testing.T) {
	files := doc.Files{"index.md": []byte("# x\n"), "hosts/esx01.md": []byte("# esx01\n")}
	tests := []struct {
		name  string
		setup func(t *testing.T, base, outside string) string // returns --out
		want  string
	}{
		{"dot-dot in the path", func(t *testing.T, base, _ string) string {
			return filepath.Join(base, "a") + "/../../" + filepath.Base(base) + "-x"
		}, `".." element`},
		{"the directory is a symbolic link", func(t *testing.T, base, outside string) string {
			must(t, os.Symlink(outside, filepath.Join(base, "out")))
			return filepath.Join(base, "out")
		}, "symbolic link"},
		{"a non-empty directory that is no previous output", func(t *testing.T, base, _ string) string {
			out := filepath.Join(base, "out")
			must(t, os.MkdirAll(out, 0o755))
			must(t, os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644))
			return out
		}, "holds no previous vnetmap doc output"},
		{"a file instead of a directory", func(t *testing.T, base, _ string) string {
			out := filepath.Join(base, "out")
			must(t, os.WriteFile(out, []byte("x"), 0o644))
			return out
		}, "not a directory"},
		{"a symbolic link to outside inside a previous output", func(t *testing.T, base, outside string) string {
			out := filepath.Join(base, "out")
			mustWrite(t, out, doc.Files{"index.md": []byte("old")})
			must(t, os.Symlink(outside, filepath.Join(out, "hosts")))
			return out
		}, "symbolic link"},
		{"a file the previous run did not write", func(t *testing.T, base, _ string) string {
			out := filepath.Join(base, "out")
			mustWrite(t, out, doc.Files{"hosts.md": []byte("old")})
			must(t, os.WriteFile(filepath.Join(out, "index.md"), []byte("mine"), 0o644))
			return out
		}, "not written by vnetmap doc"},
		{"a forged state file naming a file outside", func(t *testing.T, base, _ string) string {
			out := filepath.Join(base, "out")
			must(t, os.MkdirAll(out, 0o755))
			must(t, os.WriteFile(filepath.Join(out, doc.StateFile), []byte(`{"generator":"vnetmap doc","version":1,"moment":"2026-11-17T14:00:00Z","formats":["md"],"files":["../outside/secret"]}`), 0o644))
			return out
		}, "no file inside the directory"},
		{"a state file of something else", func(t *testing.T, base, _ string) string {
			out := filepath.Join(base, "out")
			must(t, os.MkdirAll(out, 0o755))
			must(t, os.WriteFile(filepath.Join(out, doc.StateFile), []byte(`{"hello": 1}`), 0o644))
			return out
		}, "not a vnetmap doc state file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, outside := t.TempDir(), t.TempDir()
			must(t, os.WriteFile(filepath.Join(outside, "secret"), []byte("keep"), 0o644))
			out := tt.setup(t, base, outside)
			before, outsideBefore := tree(t, base), tree(t, outside)
			_, err := doc.Write(out, files, t1, []string{"md"})
			if !errors.Is(err, doc.ErrOutput) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Write(%s) = %v; want an output error saying %q", out, err, tt.want)
			}
			if after := tree(t, base); !equalTrees(before, after) {
				t.Errorf("the refused write changed %s:\nbefore %v\nafter  %v", base, before, after)
			}
			if after := tree(t, outside); !equalTrees(outsideBefore, after) {
				t.Errorf("the refused write changed %s, outside the output", outside)
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, dir string, files doc.Files) {
	t.Helper()
	if _, err := doc.Write(dir, files, t0, []string{"md"}); err != nil {
		t.Fatal(err)
	}
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestWriteUpdates writes over a previous output: changed files are
// rewritten, unchanged ones left, the files of entities that are gone
// removed (with their empty directory), others' files kept.
func TestWriteUpdates(t *testing.T) {
	out := filepath.Join(t.TempDir(), "new", "doc")
	mustWrite(t, out, doc.Files{"index.md": []byte("1"), "hosts/a.md": []byte("a"), "apps/x.md": []byte("x")})
	must(t, os.WriteFile(filepath.Join(out, "README.md"), []byte("a wiki's own page"), 0o644))
	must(t, os.MkdirAll(filepath.Join(out, ".git"), 0o755))
	st, err := doc.Write(out, doc.Files{"index.md": []byte("2"), "hosts/a.md": []byte("a"), "hosts/b.md": []byte("b")}, t1, []string{"md"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 3 || st.Written != 2 || st.Removed != 1 {
		t.Errorf("stats %+v; want 3 files, 2 written, 1 removed", st)
	}
	got := tree(t, out)
	want := map[string]string{"index.md": "2", "hosts/a.md": "a", "hosts/b.md": "b", "README.md": "a wiki's own page"}
	for p, v := range want {
		if got[filepath.Join(out, p)] != v {
			t.Errorf("%s = %q; want %q", p, got[filepath.Join(out, p)], v)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "apps")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("apps/ is still there after its last page went: %v", err)
	}
	s, err := doc.ReadState(out)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Moment.Equal(t1) || strings.Join(s.Files, " ") != "hosts/a.md hosts/b.md index.md" {
		t.Errorf("state %+v; want moment t1 and the three files", s)
	}
	if _, err := doc.ReadState(t.TempDir()); !errors.Is(err, doc.ErrNoState) {
		t.Errorf("ReadState of an empty directory: %v; want ErrNoState", err)
	}
}
