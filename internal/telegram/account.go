package telegram

import (
	"context"
	"fmt"
	"time"

	"github.com/gotd/td/tg"
)

// Authorization is one logged-in device of the account
// (Settings → Devices in the official apps).
type Authorization struct {
	Hash        int64 // 0 for the current session, which cannot be reset
	Current     bool
	Device      string
	Platform    string
	System      string
	AppName     string
	AppVersion  string
	APIID       int
	IP          string
	Country     string
	Region      string
	DateCreated time.Time
	DateActive  time.Time
}

// Self returns the account the session is logged in as. It doubles as the
// health check: a revoked session fails with ErrSessionRevoked.
func (g *Gateway) Self(ctx context.Context, creds Credentials, session Session) (User, error) {
	var u User
	_, err := g.step(ctx, creds, session, func(ctx context.Context, api *tg.Client) error {
		users, err := api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		if err != nil {
			return err
		}
		for _, x := range users {
			if self, ok := x.(*tg.User); ok {
				u = userFrom(self)
				return nil
			}
		}
		return fmt.Errorf("telegram users.getUsers: no user for self")
	})
	return u, err
}

// LogOut ends the session at Telegram; its auth key is useless afterwards.
func (g *Gateway) LogOut(ctx context.Context, creds Credentials, session Session) error {
	_, err := g.step(ctx, creds, session, func(ctx context.Context, api *tg.Client) error {
		_, err := api.AuthLogOut(ctx)
		return err
	})
	return err
}

// Authorizations lists the account's logged-in devices.
func (g *Gateway) Authorizations(ctx context.Context, creds Credentials, session Session) ([]Authorization, error) {
	var list []Authorization
	_, err := g.step(ctx, creds, session, func(ctx context.Context, api *tg.Client) error {
		var err error
		list, err = AuthorizationsOf(ctx, api)
		return err
	})
	return list, err
}

// AuthorizationsOf lists the logged-in devices of the account api speaks
// for (on its live connection).
func AuthorizationsOf(ctx context.Context, api *tg.Client) ([]Authorization, error) {
	res, err := api.AccountGetAuthorizations(ctx)
	if err != nil {
		return nil, err
	}
	list := make([]Authorization, 0, len(res.Authorizations))
	for _, a := range res.Authorizations {
		list = append(list, Authorization{
			Hash:        a.Hash,
			Current:     a.Current,
			Device:      a.DeviceModel,
			Platform:    a.Platform,
			System:      a.SystemVersion,
			AppName:     a.AppName,
			AppVersion:  a.AppVersion,
			APIID:       a.APIID,
			IP:          a.IP,
			Country:     a.Country,
			Region:      a.Region,
			DateCreated: time.Unix(int64(a.DateCreated), 0).UTC(),
			DateActive:  time.Unix(int64(a.DateActive), 0).UTC(),
		})
	}
	return list, nil
}

// ResetAuthorization logs out another device of the account by its hash.
func (g *Gateway) ResetAuthorization(ctx context.Context, creds Credentials, session Session, hash int64) error {
	_, err := g.step(ctx, creds, session, func(ctx context.Context, api *tg.Client) error {
		_, err := api.AccountResetAuthorization(ctx, hash)
		return err
	})
	return err
}
