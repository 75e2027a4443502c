package store

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestSQLiteFileModes: a SQLite store created by Open is readable by its
// owner only, and so are its -wal and -shm files, whatever the umask; an
// existing file keeps its mode. The umask is the process's: not parallel.
func TestSQLiteFileModes(t *testing.T) {
	tests := []struct {
		name     string
		umask    int
		existing os.FileMode // mode of a file there before Open; 0 for none
		want     os.FileMode
	}{
		{"usual umask", 0o022, 0, 0o600},
		{"no umask", 0, 0, 0o600},
		{"strict umask", 0o077, 0, 0o600},
		{"existing file keeps its mode", 0o022, 0o640, 0o640},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "vnetmap.db")
			if tt.existing != 0 {
				if err := os.WriteFile(path, nil, tt.existing); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.existing); err != nil {
					t.Fatal(err)
				}
			}
			old := syscall.Umask(tt.umask)
			st, err := Open(context.Background(), "sqlite:"+path)
			syscall.Umask(old)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != tt.want {
					t.Errorf("%s: mode %s; want %s", filepath.Base(p), got, tt.want)
				}
			}
		})
	}
}
