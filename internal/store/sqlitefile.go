package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// sqliteFileMode is the mode of a SQLite database file the store creates:
// it holds the API tokens' hashes and the whole inventory, so its owner
// alone may read it. SQLite gives the -wal and -shm files it creates the
// database file's mode (exactly, whatever the umask: it changes the mode
// of a file it created with another).
const sqliteFileMode = 0o600

// createSQLiteFile creates the database file named by the path part of a
// sqlite: DSN (before any "?", without a "file:" prefix) with mode
// sqliteFileMode, whatever the umask, when it does not exist. An existing
// file keeps its mode; an in-memory database has no file.
func createSQLiteFile(file string) error {
	path, ok := sqliteFilePath(file)
	if !ok {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Chmod(sqliteFileMode); err != nil {
		f.Close()
		return fmt.Errorf("create %s: %w", path, err)
	}
	return f.Close()
}

// sqliteFilePath returns the path of the database file of the path part of
// a sqlite: DSN, and false for an in-memory database, which has none.
func sqliteFilePath(file string) (string, bool) {
	path, params, _ := strings.Cut(file, "?")
	path = strings.TrimPrefix(path, "file:")
	if path == "" || path == sqliteMemory || strings.Contains(params, "mode=memory") || strings.Contains(params, "vfs=memdb") {
		return "", false
	}
	return path, true
}

// sqliteFileExists returns an error wrapping ErrNoStore when the database
// file of the path part of a sqlite: DSN does not exist.
func sqliteFileExists(file string) error {
	path, ok := sqliteFilePath(file)
	if !ok {
		return nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: no file %s", ErrNoStore, path)
	} else if err != nil {
		return err
	}
	return nil
}
