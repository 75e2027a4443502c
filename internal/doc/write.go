package doc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// StateFile is the file a run leaves in its output directory: the
// documented moment and the files it wrote. The next run reads it to tell
// its own files from others' (and to remove the pages of entities that
// are gone), and --previous reads it for the change log.
const StateFile = ".vnetmap-doc.json"

// stateGenerator marks a state file as vnetmap doc's.
const stateGenerator = "vnetmap doc"

// stateVersion is the version of the state file's format.
const stateVersion = 1

// maxStateSize bounds the state file read back.
const maxStateSize = 64 << 20

// ErrOutput is wrapped by the errors about the output directory: a path
// that is refused, a directory holding something other than a previous
// run's output, a file in the way.
var ErrOutput = errors.New("doc: output directory")

// ErrNoState is wrapped by ReadState's error when the directory holds no
// state file.
var ErrNoState = errors.New("doc: no previous documentation")

// State is the content of StateFile.
type State struct {
	Generator string    `json:"generator"`
	Version   int       `json:"version"`
	Moment    time.Time `json:"moment"`
	Formats   []string  `json:"formats"`
	// Files are the files the run wrote, relative to the directory, sorted.
	Files []string `json:"files"`
}

// ReadState reads the state file of a previous run in dir. A missing file
// wraps ErrNoState; a file that is not a vnetmap doc state file, or names
// a file outside dir, is an error naming it.
func ReadState(dir string) (*State, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrNoState, dir, err)
	}
	defer root.Close()
	return readState(root, dir)
}

func readState(root *os.Root, dir string) (*State, error) {
	name := filepath.Join(dir, StateFile)
	fi, err := root.Lstat(StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist", ErrNoState, name)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOutput, name, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrOutput, name)
	}
	f, err := root.Open(StateFile)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOutput, name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrOutput, name, err)
	}
	if len(data) > maxStateSize {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrOutput, name, maxStateSize)
	}
	var st State
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: %s is not a vnetmap doc state file: %w", ErrOutput, name, err)
	}
	if st.Generator != stateGenerator || st.Version != stateVersion {
		return nil, fmt.Errorf("%w: %s is not a vnetmap doc state file of version %d (generator %q, version %d)", ErrOutput, name, stateVersion, st.Generator, st.Version)
	}
	if st.Moment.IsZero() {
		return nil, fmt.Errorf("%w: %s has no moment", ErrOutput, name)
	}
	for _, p := range st.Files {
		if !validRel(p) || p == StateFile {
			return nil, fmt.Errorf("%w: %s lists %q, which is no file inside the directory", ErrOutput, name, p)
		}
	}
	return &st, nil
}

// validRel reports whether p is a clean, relative, '/'-separated path
// inside a directory.
func validRel(p string) bool {
	if p == "" || p != path.Clean(p) || path.IsAbs(p) || strings.Contains(p, "\\") || strings.ContainsRune(p, 0) {
		return false
	}
	return !slices.Contains(strings.Split(p, "/"), "..")
}

// WriteStats says what Write did.
type WriteStats struct {
	Files   int   // files of the documentation
	Written int   // files written (new or changed)
	Removed int   // files of the previous run removed (their entity is gone)
	Bytes   int64 // size of the documentation
}

// Write writes files to dir, and the state file with moment and formats.
//
// dir is made when it does not exist. It is refused (an error wrapping
// ErrOutput, nothing written) when its path has a ".." element, when it is
// a symbolic link or no directory, when it is not empty and holds no
// state file of a previous run, and when a file to write is in the way: a
// file the previous run did not write, a symbolic link, a directory. Every
// operation goes through an os.Root on dir, so nothing is written outside
// it whatever is inside. Files whose content did not change are left
// alone; files of the previous run that are not in files are removed, and
// directories they leave empty with them. Each file is written to a
// temporary name and renamed.
func Write(dir string, files Files, moment time.Time, formats []string) (WriteStats, error) {
	var ws WriteStats
	if dir == "" {
		return ws, fmt.Errorf("%w: no directory given", ErrOutput)
	}
	if slices.Contains(strings.Split(filepath.ToSlash(dir), "/"), "..") {
		return ws, fmt.Errorf("%w: %q: a path with a \"..\" element is refused; give the directory's own path", ErrOutput, dir)
	}
	for _, p := range files.Paths() {
		if !validRel(p) || p == StateFile {
			return ws, fmt.Errorf("%w: refusing to write %q, which is no file inside the directory", ErrOutput, p)
		}
	}
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return ws, fmt.Errorf("%w: %w", ErrOutput, err)
		}
	case err != nil:
		return ws, fmt.Errorf("%w: %w", ErrOutput, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return ws, fmt.Errorf("%w: %s is a symbolic link; give the directory it points to", ErrOutput, dir)
	case !fi.IsDir():
		return ws, fmt.Errorf("%w: %s exists and is not a directory", ErrOutput, dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return ws, fmt.Errorf("%w: %w", ErrOutput, err)
	}
	defer root.Close()

	prev, err := readState(root, dir)
	switch {
	case errors.Is(err, ErrNoState):
		entries, rerr := fs.ReadDir(root.FS(), ".")
		if rerr != nil {
			return ws, fmt.Errorf("%w: %s: %w", ErrOutput, dir, rerr)
		}
		if len(entries) > 0 {
			return ws, fmt.Errorf("%w: %s is not empty and holds no previous vnetmap doc output (no %s): give an empty or new directory", ErrOutput, dir, StateFile)
		}
		prev = &State{}
	case err != nil:
		return ws, err
	}
	ours := map[string]bool{}
	for _, p := range prev.Files {
		ours[p] = true
	}
	// Check everything before writing anything.
	for _, p := range files.Paths() {
		if err := checkPath(root, dir, p, ours); err != nil {
			return ws, err
		}
	}
	for _, p := range files.Paths() {
		data := files[p]
		ws.Files++
		ws.Bytes += int64(len(data))
		if old, err := root.ReadFile(p); err == nil && bytes.Equal(old, data) {
			continue
		}
		if err := writeFile(root, p, data); err != nil {
			return ws, fmt.Errorf("%w: write %s: %w", ErrOutput, filepath.Join(dir, filepath.FromSlash(p)), err)
		}
		ws.Written++
	}
	for _, p := range prev.Files {
		if _, keep := files[p]; keep {
			continue
		}
		fi, err := root.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := root.Remove(p); err != nil {
			return ws, fmt.Errorf("%w: remove %s: %w", ErrOutput, filepath.Join(dir, filepath.FromSlash(p)), err)
		}
		ws.Removed++
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if root.Remove(d) != nil { // not empty: keep it and its parents
				break
			}
		}
	}
	st := State{Generator: stateGenerator, Version: stateVersion, Moment: moment.UTC(), Formats: formats, Files: files.Paths()}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return ws, fmt.Errorf("%w: %w", ErrOutput, err)
	}
	if err := writeFile(root, StateFile, append(data, '\n')); err != nil {
		return ws, fmt.Errorf("%w: write %s: %w", ErrOutput, filepath.Join(dir, StateFile), err)
	}
	return ws, nil
}

// checkPath refuses to write p when something not ours is in its way: a
// file the previous run did not write, a symbolic link or a non-directory
// on its way, a directory where the file goes.
func checkPath(root *os.Root, dir, p string, ours map[string]bool) error {
	parts := strings.Split(p, "/")
	for i := range parts {
		sub := strings.Join(parts[:i+1], "/")
		fi, err := root.Lstat(sub)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		name := filepath.Join(dir, filepath.FromSlash(sub))
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrOutput, name, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%w: %s is a symbolic link: refusing to write through it", ErrOutput, name)
		}
		last := i == len(parts)-1
		switch {
		case !last && !fi.IsDir():
			return fmt.Errorf("%w: %s is in the way (not a directory)", ErrOutput, name)
		case last && !fi.Mode().IsRegular():
			return fmt.Errorf("%w: %s is in the way (not a regular file)", ErrOutput, name)
		case last && !ours[p]:
			return fmt.Errorf("%w: %s exists and was not written by vnetmap doc: not overwriting it", ErrOutput, name)
		}
	}
	return nil
}

// writeFile writes p under root through a temporary file and a rename.
func writeFile(root *os.Root, p string, data []byte) error {
	if d := path.Dir(p); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	tmp := path.Join(path.Dir(p), ".tmp-"+path.Base(p))
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		root.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		root.Remove(tmp)
		return err
	}
	if err := root.Rename(tmp, p); err != nil {
		root.Remove(tmp)
		return err
	}
	return nil
}
