package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vnetmap/vnetmap/internal/store"
)

// TokenPrefix starts every API token, so that a token is recognised in a
// configuration file or a secret scanner.
const TokenPrefix = "vnm_"

// tokenBytes is how many random bytes a token carries.
const tokenBytes = 32

// tokenLen is the length of a token: the prefix and the bytes in unpadded
// base64url.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// Errors of authentication. The middleware answers all of them with 401.
var (
	// ErrInvalidToken is wrapped by the error for a token that is not one:
	// wrong format, or unknown to the store.
	ErrInvalidToken = errors.New("auth: invalid token")
	// ErrExpiredToken is wrapped by the error for a token past its expiry.
	ErrExpiredToken = errors.New("auth: token expired")
	// ErrRevokedToken is wrapped by the error for a revoked token.
	ErrRevokedToken = errors.New("auth: token revoked")
)

// ErrBadToken is wrapped by Create's error for a bad name, role or
// lifetime.
var ErrBadToken = errors.New("auth: bad token request")

// MaxTTL is the longest token lifetime Create accepts.
const MaxTTL = 10 * 366 * 24 * time.Hour

// namePattern is what a token name may be: it shows in logs and in
// acknowledgements.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)

// NewToken returns a new random token and its hash.
func NewToken() (token, hash string) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics if the system's source does)
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token)
}

// Hash returns what the store keeps of token: the hex SHA-256 of it. A
// token carries 256 random bits, so a fast hash is enough: nothing short
// of guessing the token finds it from its hash (see docs/security.md).
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// wellFormed reports whether token looks like one NewToken made.
func wellFormed(token string) bool {
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token[len(TokenPrefix):])
	return err == nil && len(b) == tokenBytes
}

// TokenStore is what Tokens needs of the store; store.Store has it. Its
// methods must be safe for concurrent use.
type TokenStore interface {
	CreateToken(ctx context.Context, t store.Token) error
	Tokens(ctx context.Context) ([]store.Token, error)
	TokenByHash(ctx context.Context, hash string) (store.Token, error)
	RevokeToken(ctx context.Context, name string, at time.Time) error
}

// CacheTTL is how long a token looked up in the store is trusted without
// asking again: a token revoked by another process (or the CLI) sharing
// the store stops working within it. A revocation through the same Tokens
// takes effect at once.
const CacheTTL = 10 * time.Second

// maxCached bounds the cached tokens.
const maxCached = 4096

// Tokens creates, lists, revokes and checks API tokens. It is safe for
// concurrent use.
type Tokens struct {
	st  TokenStore
	now func() time.Time

	mu    sync.Mutex
	cache map[string]cached // by hash
}

type cached struct {
	tok     store.Token
	fetched time.Time
}

// NewTokens returns the tokens of st.
func NewTokens(st TokenStore) *Tokens {
	return &Tokens{st: st, now: time.Now, cache: map[string]cached{}}
}

// Created is a token just made: the token itself, shown this once, and
// what the store keeps of it.
type Created struct {
	// Secret is the token to give to the client.
	Secret string `json:"token"`
	store.Token
}

// Create makes a token named name with role (viewer, operator or admin)
// that expires after ttl (0: never). The name is 1 to 64 letters, digits
// and . _ @ - (starting with a letter or digit) and must not be in use by
// a token not revoked (store.ErrTokenExists).
func (t *Tokens) Create(ctx context.Context, name string, role Role, ttl time.Duration) (Created, error) {
	if !namePattern.MatchString(name) {
		return Created{}, fmt.Errorf("%w: name %q: want 1 to 64 letters, digits and . _ @ - starting with a letter or digit", ErrBadToken, name)
	}
	if role < Viewer || role > Admin {
		return Created{}, fmt.Errorf("%w: role %s: want viewer, operator or admin", ErrBadToken, role)
	}
	if ttl < 0 || ttl > MaxTTL {
		return Created{}, fmt.Errorf("%w: lifetime %s: want 0 (never expires) up to %s", ErrBadToken, ttl, MaxTTL)
	}
	secret, hash := NewToken()
	now := t.now().UTC().Truncate(time.Microsecond)
	tok := store.Token{Name: name, Role: role.String(), Hash: hash, Created: now}
	if ttl > 0 {
		tok.Expires = now.Add(ttl)
	}
	if err := t.st.CreateToken(ctx, tok); err != nil {
		return Created{}, err
	}
	tok.Hash = ""
	return Created{Secret: secret, Token: tok}, nil
}

// List returns every token, revoked ones included, without secrets or
// hashes.
func (t *Tokens) List(ctx context.Context) ([]store.Token, error) {
	ts, err := t.st.Tokens(ctx)
	for i := range ts {
		ts[i].Hash = ""
	}
	return ts, err
}

// Revoke revokes the token named name (store.ErrNoToken when none is in
// use); every process sharing the store refuses it within CacheTTL, this
// one at once.
func (t *Tokens) Revoke(ctx context.Context, name string) error {
	if err := t.st.RevokeToken(ctx, name, t.now().UTC()); err != nil {
		return err
	}
	t.mu.Lock()
	clear(t.cache)
	t.mu.Unlock()
	return nil
}

// Authenticate returns the principal of token, or an error wrapping
// ErrInvalidToken, ErrExpiredToken or ErrRevokedToken (or a store failure).
// Errors never contain the token or its hash; those about a known token
// name it.
func (t *Tokens) Authenticate(ctx context.Context, token string) (Principal, error) {
	if !wellFormed(token) {
		return Principal{}, fmt.Errorf("%w: not a vnetmap token", ErrInvalidToken)
	}
	hash := Hash(token)
	now := t.now()
	t.mu.Lock()
	c, ok := t.cache[hash]
	t.mu.Unlock()
	if !ok || now.Sub(c.fetched) > CacheTTL || now.Before(c.fetched) {
		tok, err := t.st.TokenByHash(ctx, hash)
		if errors.Is(err, store.ErrNoToken) {
			return Principal{}, fmt.Errorf("%w: unknown token", ErrInvalidToken)
		}
		if err != nil {
			return Principal{}, err
		}
		c = cached{tok: tok, fetched: now}
		t.mu.Lock()
		if len(t.cache) >= maxCached {
			clear(t.cache)
		}
		t.cache[hash] = c
		t.mu.Unlock()
	}
	// The store found the row by its hash; compare again in constant time,
	// so that no code path compares a secret-derived value byte by byte.
	if subtle.ConstantTimeCompare([]byte(c.tok.Hash), []byte(hash)) != 1 {
		return Principal{}, fmt.Errorf("%w: unknown token", ErrInvalidToken)
	}
	if !c.tok.Revoked.IsZero() {
		return Principal{}, fmt.Errorf("%w: %s (revoked %s)", ErrRevokedToken, c.tok.Name, c.tok.Revoked.Format(time.RFC3339))
	}
	if !c.tok.Expires.IsZero() && !now.Before(c.tok.Expires) {
		return Principal{}, fmt.Errorf("%w: %s (expired %s)", ErrExpiredToken, c.tok.Name, c.tok.Expires.Format(time.RFC3339))
	}
	role, err := ParseRole(c.tok.Role)
	if err != nil || role == None {
		return Principal{}, fmt.Errorf("%w: %s has no usable role", ErrInvalidToken, c.tok.Name)
	}
	return Principal{Name: c.tok.Name, Role: role}, nil
}

// ParseTTL reads a token lifetime: a Go duration ("12h", "90m") or a
// whole number of days or weeks ("90d", "2w"); "" and "0" are never.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	bad := fmt.Errorf("%w: lifetime %q: want a duration like 12h, 90d or 2w", ErrBadToken, s)
	var d time.Duration
	if unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]; unit != 0 {
		n, err := strconv.ParseUint(s[:len(s)-1], 10, 32)
		if err != nil || time.Duration(n) > MaxTTL/unit {
			return 0, bad
		}
		d = time.Duration(n) * unit
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d <= 0 || d > MaxTTL {
		return 0, fmt.Errorf("%w: lifetime %q: want more than 0 and at most %s", ErrBadToken, s, MaxTTL)
	}
	return d, nil
}
