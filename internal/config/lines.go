package config

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// LineError is a configuration error located in its file: the line of the
// deepest key the error names that the file has (the line of the section
// when the key itself is missing).
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error() }

func (e *LineError) Unwrap() error { return e.Err }

// keySegment is one "key: " step of an error message: a key path such as
// sources[1] (fabric).snmp or timeout.
var keySegment = regexp.MustCompile(`^[a-z_][a-z0-9_]*(\[\d+\])?( \([^)]*\))?(\.[a-z_][a-z0-9_]*(\[\d+\])?)*$`)

// locate returns err with the line of the key it names in the YAML
// document data, or err itself when it names no key of the file. Messages
// follow the convention "path: path: … message", where each path is a
// key, dotted keys, or a list element with [i] (and the element's name in
// parentheses).
func locate(data []byte, err error) error {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return err
	}
	msg := err.Error()
	if errors.Is(err, ErrInvalid) {
		msg = strings.TrimPrefix(msg, ErrInvalid.Error()+": ")
	}
	node, line := doc.Content[0], 0
	// Segments that are no key of the node reached (a package prefix such
	// as "vsphere: cannot read password") are skipped.
	for seg := range strings.SplitSeq(msg, ": ") {
		if !keySegment.MatchString(seg) {
			continue
		}
		if next, ok := walk(node, seg); ok {
			node, line = next, next.Line
		}
	}
	if line == 0 {
		return err
	}
	return &LineError{Line: line, Err: err}
}

// walk follows one key path segment from a mapping node. It returns the
// value node of the last key found (a list element for [i]).
func walk(node *yaml.Node, seg string) (*yaml.Node, bool) {
	if i := strings.Index(seg, " ("); i >= 0 {
		j := strings.Index(seg[i:], ")")
		seg = seg[:i] + seg[i+j+1:]
	}
	found := false
	for part := range strings.SplitSeq(seg, ".") {
		key, index, hasIndex := part, 0, false
		if i := strings.IndexByte(part, '['); i >= 0 {
			key = part[:i]
			n, err := strconv.Atoi(strings.TrimSuffix(part[i+1:], "]"))
			if err != nil {
				return node, found
			}
			index, hasIndex = n, true
		}
		v := value(node, key)
		if v == nil {
			return node, found
		}
		node, found = v, true
		if hasIndex {
			if v.Kind != yaml.SequenceNode || index >= len(v.Content) {
				return node, found
			}
			node = v.Content[index]
		}
	}
	return node, found
}

// value returns the value of key in a mapping node, nil if absent. The
// returned node's line is the key's.
func value(node *yaml.Node, key string) *yaml.Node {
	if node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			v := *node.Content[i+1]
			v.Line = node.Content[i].Line
			return &v
		}
	}
	return nil
}

// Check reads the configuration file at path as Load does and, when it is
// valid, reads every secret it names (CheckSecrets). Each error is
// prefixed with the file and, where the key it names is in the file, the
// line: "vnetmap.yaml:12: sources[0] (vc1).vsphere: …".
func Check(path string, secrets bool) (Configuration, []error) {
	c, data, err := load(path)
	if err != nil {
		return c, []error{err}
	}
	if !secrets {
		return c, nil
	}
	var errs []error
	for _, e := range c.CheckSecrets() {
		var le *LineError
		if errors.As(locate(data, e), &le) {
			errs = append(errs, fmt.Errorf("%s:%d: %w", path, le.Line, e))
		} else {
			errs = append(errs, fmt.Errorf("%s: %w", path, e))
		}
	}
	return c, errs
}

// yamlLine is the "line N: " that starts each of yaml's own messages.
var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// yamlError turns a YAML decoding error into a LineError at the line of its
// first problem (yaml reports unknown keys and wrong types each with its
// line), the rest of the problems kept in the message.
func yamlError(data []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	m := yamlLine.FindStringSubmatch(te.Errors[0])
	if m == nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	line, _ := strconv.Atoi(m[1])
	first := m[2]
	if key := keyAt(data, line); key != "" && !strings.Contains(first, "field "+key) {
		first = key + ": " + first
	}
	msgs := []string{first}
	for _, e := range te.Errors[1:] {
		msgs = append(msgs, e)
	}
	return &LineError{Line: line, Err: fmt.Errorf("%w: %s", ErrInvalid, strings.Join(msgs, "; "))}
}

// keyAt returns the path of the key on line of the YAML document data
// (sources[0].vsphere.timeout), or "".
func keyAt(data []byte, line int) string {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return ""
	}
	var find func(n *yaml.Node, path string) string
	find = func(n *yaml.Node, path string) string {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := path + "." + n.Content[i].Value
				if n.Content[i].Line == line {
					return strings.TrimPrefix(k, ".")
				}
				if p := find(n.Content[i+1], k); p != "" {
					return p
				}
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				if p := find(c, path+"["+strconv.Itoa(i)+"]"); p != "" {
					return p
				}
			}
		}
		return ""
	}
	return find(doc.Content[0], "")
}
