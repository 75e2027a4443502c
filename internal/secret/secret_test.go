package secret

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const content = "s3cret-pa55word"

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	regular := write("regular", content+"\n", 0o600)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	zeroLink := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zeroLink); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       string
		wantErr    error
		wantMsg    string // a part of the error message
	}{
		{"regular file", regular, content, nil, ""},
		{"link to a regular file", link, content, nil, ""},
		{"at the limit", write("limit", strings.Repeat("k", MaxSize), 0o600), strings.Repeat("k", MaxSize), nil, ""},
		{"one byte over", write("over", content+strings.Repeat("k", MaxSize+1-len(content)), 0o600), "", ErrTooLarge, "larger than 65536 bytes"},
		{"dev zero", "/dev/zero", "", ErrNotRegular, "/dev/zero is a character device"},
		{"link to dev zero", zeroLink, "", ErrNotRegular, "is a character device"},
		{"directory", dir, "", ErrNotRegular, "is a directory"},
		{"fifo", fifo, "", ErrNotRegular, "is a FIFO"},
		{"missing", filepath.Join(dir, "missing"), "", os.ErrNotExist, "missing"},
		{"empty", write("empty", "\r\n\n", 0o600), "", ErrEmpty, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Line(tt.path)
			if tt.wantErr == nil {
				if err != nil || got != tt.want {
					t.Fatalf("Line(%s) = %d bytes, %v; want %d bytes", tt.path, len(got), err, len(tt.want))
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Line(%s) error %v; want %v with %q", tt.path, err, tt.wantErr, tt.wantMsg)
			}
			if !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q does not name the file %s", err, tt.path)
			}
			if strings.Contains(err.Error(), content) {
				t.Errorf("error %q shows the file's content", err)
			}
		})
	}
}

// TestWarnsOnceWhenReadableByOthers: a secret file readable by its group or
// others is warned about once per process, naming the file and its mode,
// never the content.
func TestWarnsOnceWhenReadableByOthers(t *testing.T) {
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
	dir := t.TempDir()
	tests := []struct {
		name     string
		mode     os.FileMode
		wantWarn bool
	}{
		{"owner only", 0o600, false},
		{"owner read only", 0o400, false},
		{"group readable", 0o640, true},
		{"world readable", 0o604, true},
		{"group writable only", 0o620, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs.Reset()
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tt.mode); err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if _, err := ReadFile(p); err != nil {
					t.Fatal(err)
				}
			}
			out := logs.String()
			n := strings.Count(out, "secret file readable by others")
			if want := map[bool]int{true: 1, false: 0}[tt.wantWarn]; n != want {
				t.Fatalf("%d warnings after three reads; want %d:\n%s", n, want, out)
			}
			if tt.wantWarn && (!strings.Contains(out, "file="+p) || !strings.Contains(out, "mode="+tt.mode.String())) {
				t.Errorf("warning %q does not name the file and its mode %s", out, tt.mode)
			}
			if strings.Contains(out, content) {
				t.Errorf("warning %q shows the content", out)
			}
		})
	}
}
