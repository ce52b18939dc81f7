// Package tokens manages API tokens: random secrets shown once, stored only
// as a SHA-256 hash, presented as "Authorization: Bearer tgm_…".
package tokens

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/secrets"
	"github.com/telegramate/telegramate/internal/store"
)

// Prefix marks Telegramate tokens, so secret scanners and people can
// recognise one that leaked.
const Prefix = "tgm_"

// shownPrefixLen is how much of a token the UI lists to tell tokens apart:
// "tgm_" and 6 random characters (30 bits), useless to an attacker.
const shownPrefixLen = len(Prefix) + 6

const maxNameLen = 100

// touchEvery limits last-used updates to one write per token per minute.
const touchEvery = time.Minute

var ErrInvalidToken = &apperr.Error{
	Code:    apperr.CodeUnauthorized,
	Message: "Invalid or revoked API token",
	Hint:    "Send a valid token as 'Authorization: Bearer <token>'. Create one on the API tokens page or with `telegramate token create`.",
	Status:  http.StatusUnauthorized,
}

// ErrExpiredToken is a token past the expiry its owner gave it.
var ErrExpiredToken = &apperr.Error{
	Code:    apperr.CodeUnauthorized,
	Message: "This API token has expired",
	Hint:    "Create a new token on the API tokens page or with `telegramate token create`, and revoke the old one.",
	Status:  http.StatusUnauthorized,
}

// MaxExpiry bounds how far ahead a token's expiry may be set.
const MaxExpiry = 10 * 365 * 24 * time.Hour

var enc = base32.StdEncoding.WithPadding(base32.NoPadding)

type Service struct {
	st  Store
	now func() time.Time
}

func New(st Store) *Service {
	return &Service{st: st, now: time.Now}
}

// SetClock replaces time.Now (tests of expiry).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Create makes a token for userID in the workspace they own (the one
// made with them at sign-up), as the CLI and tests want. The plain value
// is returned once and never stored.
func (s *Service) Create(ctx context.Context, userID int64, name string) (secrets.Secret, store.Token, error) {
	return s.CreateExpiring(ctx, userID, name, 0)
}

// CreateExpiring is Create for a token that stops working after validFor
// (0: never).
func (s *Service) CreateExpiring(ctx context.Context, userID int64, name string, validFor time.Duration) (secrets.Secret, store.Token, error) {
	mine, err := s.st.UserWorkspaces(ctx, userID)
	if err != nil {
		return "", store.Token{}, fmt.Errorf("workspaces of user %d: %w", userID, err)
	}
	in := NewToken{UserID: userID, Name: name, ValidFor: validFor}
	for _, m := range mine {
		if m.Role == "owner" {
			in.WorkspaceID = m.ID
			break
		}
	}
	if in.WorkspaceID == 0 && len(mine) > 0 {
		in.WorkspaceID = mine[0].ID
	}
	if in.WorkspaceID == 0 {
		return "", store.Token{}, &apperr.Error{Code: apperr.CodeValidation, Message: "This user belongs to no workspace",
			Hint: "Sign in on the web and create a workspace first.", Status: http.StatusUnprocessableEntity}
	}
	return s.CreateIn(ctx, in)
}

// NewToken is what a token is made of.
type NewToken struct {
	UserID      int64
	WorkspaceID int64 // a workspace UserID is a member of
	Name        string
	ValidFor    time.Duration // 0: never expires
	// ReadOnly makes the token act as a viewer whatever its member's role.
	ReadOnly bool
}

// CreateIn makes a token for a member of a workspace (admins and the
// owner): it acts with the member's role as it is at each request, or as a
// viewer when read-only.
func (s *Service) CreateIn(ctx context.Context, in NewToken) (secrets.Secret, store.Token, error) {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return "", store.Token{}, err
	}
	userID, name, validFor := in.UserID, in.Name, in.ValidFor
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", store.Token{}, apperr.Validation("name", "Give the token a name")
	case !utf8.ValidString(name):
		return "", store.Token{}, apperr.Validation("name", "The name is not valid text (UTF-8)")
	case utf8.RuneCountInString(name) > maxNameLen:
		return "", store.Token{}, apperr.Validation("name", "Use a name of at most 100 characters")
	case validFor < 0 || validFor > MaxExpiry:
		return "", store.Token{}, apperr.Validation("expires", "A token can expire between now and 10 years from now")
	}
	var expires time.Time
	if validFor > 0 {
		expires = s.now().UTC().Add(validFor)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", store.Token{}, fmt.Errorf("token: %w", err)
	}
	plain := Prefix + strings.ToLower(enc.EncodeToString(raw))
	var t store.Token
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		var err error
		t, err = tx.CreateToken(ctx, store.NewToken{
			UserID:      userID,
			WorkspaceID: in.WorkspaceID,
			ReadOnly:    in.ReadOnly,
			Name:        name,
			Hash:        Hash(plain),
			Prefix:      plain[:shownPrefixLen],
			Now:         s.now().UTC(),
			ExpiresAt:   expires,
		})
		if err != nil {
			return err
		}
		detail := "Never expires"
		if !expires.IsZero() {
			detail = "Expires " + expires.Format(time.RFC3339)
		}
		if in.ReadOnly {
			detail = "Read-only; " + detail
		}
		return audit.Record(ctx, tx, s.now(), in.WorkspaceID, audit.ActorFrom(ctx), audit.Event{
			Action: audit.TokenCreated, TargetKind: audit.TargetToken, TargetID: t.ID, TargetLabel: t.Name + " (" + t.Prefix + "…)", Detail: detail,
		})
	})
	if err != nil {
		return "", store.Token{}, fmt.Errorf("create token for user %d: %w", userID, err)
	}
	return secrets.Secret(plain), t, nil
}

// Hash is what the store keeps for a token value.
func Hash(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

func (s *Service) List(ctx context.Context, userID int64) ([]store.Token, error) {
	return s.st.ListTokens(ctx, userID)
}

// Page is a page of the user's tokens, revoked ones included, newest
// first, after cursor (a previous page's next; "" for the first); next is
// "" on the last page.
func (s *Service) Page(ctx context.Context, userID int64, cursor string, limit int) (list []store.Token, next string, err error) {
	var before int64
	if cursor != "" {
		if before, err = strconv.ParseInt(cursor, 10, 64); err != nil || before <= 0 {
			return nil, "", &apperr.Error{Code: apperr.CodeValidation, Field: "cursor", Message: "This page link is not one the token list made",
				Hint: "Start again from the newest tokens.", Status: http.StatusUnprocessableEntity}
		}
	}
	list, err = s.st.TokensPage(ctx, userID, before, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("tokens of user %d: %w", userID, err)
	}
	if len(list) > limit {
		list = list[:limit]
		next = strconv.FormatInt(list[limit-1].ID, 10)
	}
	return list, next, nil
}

// Revoke is apperr not_found for a token of another user.
func (s *Service) Revoke(ctx context.Context, userID, tokenID int64) error {
	if err := actor.Require(ctx, actor.Admin); err != nil {
		return err
	}
	err := s.st.InTx(ctx, func(tx store.Tx) error {
		// The token as it was: its name and workspace for the log, and
		// whether it was still valid (revoking twice records once).
		was, err := tx.TokensPage(ctx, userID, tokenID+1, 1)
		if err != nil {
			return err
		}
		if err := tx.RevokeToken(ctx, userID, tokenID, s.now().UTC()); err != nil {
			return err
		}
		if len(was) == 0 || was[0].ID != tokenID || !was[0].RevokedAt.IsZero() {
			return nil
		}
		return audit.Record(ctx, tx, s.now(), was[0].WorkspaceID, audit.ActorFrom(ctx), audit.Event{
			Action: audit.TokenDeleted, TargetKind: audit.TargetToken, TargetID: tokenID, TargetLabel: was[0].Name + " (" + was[0].Prefix + "…)",
		})
	})
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("Token").Wrap(err)
	}
	return err
}

// Authenticate returns the owner of an unrevoked token, or ErrInvalidToken;
// the token carries its workspace and its owner's role there, read now. A
// token of a member who was removed is invalid.
func (s *Service) Authenticate(ctx context.Context, plain string) (store.User, store.Token, error) {
	if !strings.HasPrefix(plain, Prefix) {
		return store.User{}, store.Token{}, ErrInvalidToken
	}
	t, u, err := s.st.TokenByHash(ctx, Hash(plain))
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, store.Token{}, ErrInvalidToken.Wrap(err)
	}
	if err != nil {
		return store.User{}, store.Token{}, fmt.Errorf("find token: %w", err)
	}
	if !t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt) {
		e := *ErrExpiredToken
		e.Message = "This API token expired on " + t.ExpiresAt.UTC().Format("2006-01-02 15:04") + " UTC"
		return store.User{}, store.Token{}, &e
	}
	if now := s.now().UTC(); now.Sub(t.LastUsedAt) >= touchEvery {
		if err := s.st.TouchToken(ctx, t.ID, now); err != nil {
			return store.User{}, store.Token{}, fmt.Errorf("touch token %d: %w", t.ID, err)
		}
		t.LastUsedAt = now
	}
	return u, t, nil
}
