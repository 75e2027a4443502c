// Package secret reads the files that hold vnetmap's secrets: vCenter
// passwords, SNMP communities and keys, webhook signing keys, TLS private
// keys. It is the one place that says what such a file may be: a regular
// file of at most MaxSize bytes, preferably readable by its owner only.
//
// It is not for secrets in environment variables, nor for storing secrets.
package secret

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// MaxSize is the largest secret file read, in bytes (64 KiB): a password or
// a private key with its certificate chain fits many times over.
const MaxSize = 64 << 10

// Errors of ReadFile and Line; each error names the file, never its content.
var (
	// ErrNotRegular: the path is a directory, a device, a FIFO or a socket.
	ErrNotRegular = errors.New("secret: not a regular file")
	// ErrTooLarge: the file is larger than MaxSize.
	ErrTooLarge = errors.New("secret: file too large")
	// ErrEmpty: the file holds nothing (Line: nothing but line ends).
	ErrEmpty = errors.New("secret: file empty")
)

// warned holds the cleaned paths whose permissions were warned about: one
// warning per file and process.
var warned sync.Map

// ReadFile returns the content of the secret file at path. It refuses,
// without reading, a path that is not a regular file (symbolic links are
// followed) or a file larger than MaxSize, and logs a warning (slog's
// default logger, once per file and process) when the file is readable by
// its group or others. Errors name the path and never the content.
// ReadFile is safe for concurrent use.
func ReadFile(path string) ([]byte, error) {
	// Stat first: opening a FIFO would wait for a writer.
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := check(path, st); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ost, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !os.SameFile(st, ost) {
		return nil, fmt.Errorf("%w: %s changed while opened", ErrNotRegular, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("secret: read %s: %w", path, err)
	}
	if len(b) > MaxSize {
		return nil, tooLarge(path)
	}
	warnMode(path, st.Mode())
	return b, nil
}

// Line returns the secret held by the file at path as ReadFile reads it,
// line ends trimmed from its end: a password, a community or a passphrase.
// A file holding nothing else is ErrEmpty.
func Line(path string) (string, error) {
	b, err := ReadFile(path)
	if err != nil {
		return "", err
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) == 0 {
		return "", fmt.Errorf("%w: %s", ErrEmpty, path)
	}
	return string(b), nil
}

// check refuses what is no regular file or is too large.
func check(path string, st fs.FileInfo) error {
	if m := st.Mode(); !m.IsRegular() {
		return fmt.Errorf("%w: %s is %s", ErrNotRegular, path, kind(m))
	}
	if st.Size() > MaxSize {
		return tooLarge(path)
	}
	return nil
}

func tooLarge(path string) error {
	return fmt.Errorf("%w: %s is larger than %d bytes", ErrTooLarge, path, MaxSize)
}

// kind names the type of a file that is not regular.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a regular file (mode " + m.String() + ")"
}

// warnMode logs, once per file, that a secret file is readable by its
// group or others.
func warnMode(path string, m fs.FileMode) {
	if m.Perm()&0o044 == 0 {
		return
	}
	key := path
	if abs, err := filepath.Abs(path); err == nil {
		key = abs
	}
	if _, seen := warned.LoadOrStore(key, true); seen {
		return
	}
	slog.Warn("secret file readable by others than its owner; chmod 600 it", "file", path, "mode", m.Perm().String())
}
