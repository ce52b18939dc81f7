package users

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/store"
)

var ErrWrongCurrentPassword = &apperr.Error{
	Code:    "invalid_credentials",
	Message: "Your current password is not correct",
	Hint:    "Enter the password you log in with now, then the new one.",
	Field:   "current_password",
	Status:  http.StatusBadRequest,
}

// Sessions lists the user's web sessions (log-ins), newest first.
func (s *Service) Sessions(ctx context.Context, userID int64) ([]store.WebSession, error) {
	list, err := s.st.ListUserSessions(ctx, userID, s.now())
	if err != nil {
		return nil, fmt.Errorf("list sessions of user %d: %w", userID, err)
	}
	return list, nil
}

// EndSession logs one of the user's sessions out; another user's session is
// not_found.
func (s *Service) EndSession(ctx context.Context, userID int64, token string) error {
	err := s.st.DeleteUserSession(ctx, userID, token)
	if errors.Is(err, store.ErrNotFound) {
		return apperr.NotFound("Session").Wrap(err)
	}
	return err
}

// EndSessions logs out every session of the user except keep (the stored
// token of the session asking; "" ends them all) and says how many ended.
func (s *Service) EndSessions(ctx context.Context, userID int64, keep string) (int64, error) {
	n, err := s.st.DeleteUserSessionsExcept(ctx, userID, keep)
	if err != nil {
		return 0, fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return n, nil
}

// ChangePassword is the settings page's change: the current password must
// be right, and every other session of the user ends (whoever learned the
// old password is logged out). keep is the stored token of the session
// making the change.
func (s *Service) ChangePassword(ctx context.Context, userID int64, current, next, keep string) error {
	u, err := s.ByID(ctx, userID)
	if err != nil {
		return err
	}
	ok, _, err := VerifyPassword(current, u.PasswordHash)
	if err != nil {
		return fmt.Errorf("check password of user %d: %w", userID, err)
	}
	if !ok {
		return ErrWrongCurrentPassword
	}
	if err := ValidatePassword(next); err != nil {
		return err
	}
	return s.setPassword(ctx, u, next, keep)
}

func (s *Service) setPassword(ctx context.Context, u store.User, password, keep string) error {
	hash, err := HashPassword(password, s.opts.Hash)
	if err != nil {
		return err
	}
	if err := s.st.SetUserPassword(ctx, u.ID, hash, s.now()); err != nil {
		return fmt.Errorf("set password of user %d: %w", u.ID, err)
	}
	if _, err := s.EndSessions(ctx, u.ID, keep); err != nil {
		return err
	}
	return nil
}
