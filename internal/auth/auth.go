// Package auth controls access to vnetmap's HTTP port: API tokens with
// roles (viewer, operator, admin) stored hashed in the store, an HTTP
// middleware that authenticates bearer tokens, lets anonymous clients read
// when so configured, limits failed attempts per client address, and never
// logs a token; and the TLS setup of the port (given certificate files, or
// a self-signed certificate made on first start and kept).
//
// It is not for deciding what a route needs: the API states that with a
// Policy. Nor does it serve the token routes themselves (package api does,
// through Tokens).
package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Role is what a client may do. Roles are ordered: each may do what the
// ones below it may.
type Role int

// Roles, from the least to the most powerful.
const (
	// None is no role: a client with it may use only the open endpoints
	// (/healthz, /readyz). It is the anonymous role under anonymous: none.
	None Role = iota
	// Viewer may read: every GET of the API and the web UI.
	Viewer
	// Operator may also act: trigger a collection, apply DRS rules,
	// acknowledge findings.
	Operator
	// Admin may also manage API tokens.
	Admin
)

// ErrBadRole is wrapped by ParseRole's error for an unknown role name.
var ErrBadRole = errors.New("auth: unknown role")

var roleNames = [...]string{None: "none", Viewer: "viewer", Operator: "operator", Admin: "admin"}

// String returns the role's name.
func (r Role) String() string {
	if r < None || r > Admin {
		return fmt.Sprintf("role(%d)", int(r))
	}
	return roleNames[r]
}

// ParseRole reads a role name: none, viewer, operator or admin (any case).
func ParseRole(s string) (Role, error) {
	for r, n := range roleNames {
		if strings.EqualFold(s, n) {
			return Role(r), nil
		}
	}
	return None, fmt.Errorf("%w %q (known: viewer, operator, admin, none)", ErrBadRole, s)
}

// MarshalText encodes the role as its name (JSON, YAML).
func (r Role) MarshalText() ([]byte, error) {
	if r < None || r > Admin {
		return nil, fmt.Errorf("%w %d", ErrBadRole, int(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText reads a role name (JSON, YAML).
func (r *Role) UnmarshalText(b []byte) error {
	v, err := ParseRole(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// UnmarshalYAML reads a role name, an error naming the line when it is
// none (yaml reports the line of its own type errors only).
func (r *Role) UnmarshalYAML(value *yaml.Node) error {
	v, err := ParseRole(value.Value)
	if err != nil || value.Kind != yaml.ScalarNode {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: unknown role %q: want viewer, operator, admin or none", value.Line, value.Value)}}
	}
	*r = v
	return nil
}

// Principal is who made a request: the name of the token it carried, or an
// anonymous client.
type Principal struct {
	// Name is the token's name; "anonymous" for a request without one.
	Name string `json:"name"`
	Role Role   `json:"role"`
	// Anonymous says the request carried no token.
	Anonymous bool `json:"anonymous"`
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal the middleware authenticated for the
// request of ctx, and whether there is one.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
