package doc

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/vnetmap/vnetmap/internal/model"
)

// maxSlug bounds the part of a file name taken from an entity's name.
const maxSlug = 64

// slug turns an entity name into a file name that is safe on every file
// system and in a URL: ASCII letters, digits, '.', '-' and '_' only, no
// leading dot or dash, at most maxSlug bytes. A name changed on the way (a
// slash, a space, "..", unicode) gets a digest of the entity's ID appended,
// so two names that sanitise alike still get two files, and no name can
// become a path.
func slug(id model.ID, name string) string {
	var b strings.Builder
	dash := false
	for _, r := range name {
		ok := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		if !ok {
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = true
			continue
		}
		b.WriteRune(r)
		dash = r == '-'
	}
	s := strings.TrimLeft(strings.TrimRight(b.String(), "-."), "-._")
	s = strings.ReplaceAll(s, "..", "-")
	if len(s) > maxSlug {
		s = strings.TrimRight(s[:maxSlug], "-.")
	}
	if s == name && s != "" && !reserved(s) {
		return s
	}
	sum := sha256.Sum256([]byte(id))
	d := hex.EncodeToString(sum[:4])
	if s == "" {
		return d
	}
	return s + "-" + d
}

// anchorName is name with every character but ASCII letters, digits, '.',
// '_' and '-' replaced by '-' ("Ethernet1/7" → "Ethernet1-7"): an anchor
// within one page, where a collision is resolved by the caller.
func anchorName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// reserved reports names a file system treats specially (Windows device
// names), which get a digest like a changed name.
func reserved(s string) bool {
	base, _, _ := strings.Cut(strings.ToUpper(s), ".")
	switch base {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		return true
	}
	return false
}

// pager gives each entity that has a page its page path (without
// extension, "hosts/esx01"), unique in its directory even on a
// case-insensitive file system.
type pager struct {
	paths map[model.ID]string
	used  map[string]model.ID // lower-cased path → entity
}

func newPager() *pager {
	return &pager{paths: map[model.ID]string{}, used: map[string]model.ID{}}
}

// add gives entity id of display name name a page in dir; ids must be
// added in a deterministic order. It returns the page path.
func (p *pager) add(dir string, id model.ID, name string) string {
	if q, ok := p.paths[id]; ok {
		return q
	}
	s := slug(id, name)
	q := dir + "/" + s
	if other, taken := p.used[strings.ToLower(q)]; taken && other != id {
		sum := sha256.Sum256([]byte(id))
		q = dir + "/" + s + "-" + hex.EncodeToString(sum[:4])
	}
	p.paths[id] = q
	p.used[strings.ToLower(q)] = id
	return q
}

// page returns the page of id, or "" when it has none.
func (p *pager) page(id model.ID) string { return p.paths[id] }

// relPath is the relative path from the page from to the file to (both
// relative to the output root, with '/' separators).
func relPath(from, to string) string {
	fromDir := path.Dir(from)
	if fromDir == "." {
		return to
	}
	up := strings.Count(fromDir, "/") + 1
	// Strip the directories both share.
	fd, td := strings.Split(fromDir, "/"), strings.Split(path.Dir(to), "/")
	common := 0
	for common < len(fd) && common < len(td) && fd[common] == td[common] && path.Dir(to) != "." {
		common++
	}
	up -= common
	rest := strings.Join(strings.Split(to, "/")[common:], "/")
	return strings.Repeat("../", up) + rest
}
