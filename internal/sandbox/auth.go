package sandbox

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/gotd/td/tg"
)

var (
	errAPIIDInvalid       = rpcErr(400, "API_ID_INVALID")
	errPhoneInvalid       = rpcErr(400, "PHONE_NUMBER_INVALID")
	errPhoneCodeInvalid   = rpcErr(400, "PHONE_CODE_INVALID")
	errPhoneCodeExpired   = rpcErr(400, "PHONE_CODE_EXPIRED")
	errPhoneCodeEmpty     = rpcErr(400, "PHONE_CODE_EMPTY")
	errPhoneHashEmpty     = rpcErr(400, "PHONE_CODE_HASH_EMPTY")
	errPasswordNeeded     = rpcErr(401, "SESSION_PASSWORD_NEEDED")
	errPasswordHash       = rpcErr(400, "PASSWORD_HASH_INVALID")
	errSRPIDInvalid       = rpcErr(400, "SRP_ID_INVALID")
	errHashInvalid        = rpcErr(400, "HASH_INVALID")
	errAuthBytesInvalid   = rpcErr(400, "AUTH_BYTES_INVALID")
	errDCIDInvalid        = rpcErr(400, "DC_ID_INVALID")
	errPasswordEmpty      = rpcErr(400, "PASSWORD_HASH_INVALID")
	errPhoneNumberUnknown = rpcErr(400, "PHONE_NUMBER_INVALID")
)

func (s *Server) registerAuth(d *tg.ServerDispatcher) {
	d.OnAuthSendCode(s.sendCode)
	d.OnAuthResendCode(s.resendCode)
	d.OnAuthCancelCode(s.cancelCode)
	d.OnAuthSignIn(s.signIn)
	d.OnAccountGetPassword(s.getPassword)
	d.OnAuthCheckPassword(s.checkPassword)
	d.OnAuthLogOut(s.logOut)
	d.OnAccountGetAuthorizations(s.getAuthorizations)
	d.OnAccountResetAuthorization(s.resetAuthorization)
	d.OnAuthResetAuthorizations(s.resetOtherAuthorizations)
	d.OnAuthExportAuthorization(s.exportAuthorization)
	d.OnAuthImportAuthorization(s.importAuthorization)
}

func (s *Server) appKnown(id int, hash string) bool {
	for _, a := range s.world.Apps {
		if a.APIID == id && a.APIHash == hash {
			return true
		}
	}
	return false
}

// loginAccount finds the account a phone logs into, or the error Telegram
// gives; PHONE_MIGRATE_X sends the client to the account's home DC.
func (s *Server) loginAccount(phone string, dc int) (*person, error) {
	p := NormalizePhone(phone)
	if len(p) < 7 || len(p) > 15 {
		return nil, errPhoneInvalid
	}
	acct, ok := s.byPhone[p]
	if !ok || acct.Deleted {
		// The sandbox has no sign-up: a number outside the world is refused.
		return nil, errPhoneNumberUnknown
	}
	if acct.DC != dc {
		return nil, rpcErr(303, fmt.Sprintf("PHONE_MIGRATE_%d", acct.DC))
	}
	return acct, nil
}

func (s *Server) sendCode(ctx context.Context, req *tg.AuthSendCodeRequest) (tg.AuthSentCodeClass, error) {
	c := callerFrom(ctx)
	if !s.appKnown(req.APIID, req.APIHash) {
		return nil, errAPIIDInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	acct, err := s.loginAccount(req.PhoneNumber, c.ref.DC)
	if err != nil {
		return nil, err
	}
	pc := &pendingCode{
		Code:  codeFor(acct.Phone),
		Hash:  strconv.FormatUint(uint64(randInt64()), 16),
		Key:   c.ref,
		Sent:  s.now(),
		Phone: acct.Phone,
	}
	s.codes[acct.Phone] = pc
	s.lastCodes[acct.Phone] = pc.Code
	s.dirty = true // a login waiting for its code survives a restart
	s.log.Info("sandbox login code sent", "phone", acct.Phone)
	return &tg.AuthSentCode{
		Type:          &tg.AuthSentCodeTypeApp{Length: len(pc.Code)},
		PhoneCodeHash: pc.Hash,
		NextType:      &tg.AuthCodeTypeSMS{},
		Timeout:       int(codeLifetime / time.Second),
	}, nil
}

// liveCode is the pending code the hash names, or the error signIn gives.
func (s *Server) liveCode(phone, hash string, ref keyRef) (*pendingCode, error) {
	if hash == "" {
		return nil, errPhoneHashEmpty
	}
	pc, ok := s.codes[NormalizePhone(phone)]
	// A hash issued to another auth key, an old hash or an unknown one: Telegram
	// answers all of them as an expired code.
	if !ok || pc.Hash != hash || pc.Key != ref {
		return nil, errPhoneCodeExpired
	}
	if s.now().Sub(pc.Sent) > codeLifetime {
		return nil, errPhoneCodeExpired
	}
	return pc, nil
}

func (s *Server) resendCode(ctx context.Context, req *tg.AuthResendCodeRequest) (tg.AuthSentCodeClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.loginAccount(req.PhoneNumber, c.ref.DC); err != nil {
		return nil, err
	}
	pc, ok := s.codes[NormalizePhone(req.PhoneNumber)]
	if !ok || pc.Hash != req.PhoneCodeHash || pc.Key != c.ref {
		return nil, errPhoneCodeExpired
	}
	// The same code again by SMS, with a fresh lifetime.
	pc.Sent = s.now()
	s.dirty = true
	s.log.Info("sandbox login code re-sent", "phone", pc.Phone)
	return &tg.AuthSentCode{
		Type:          &tg.AuthSentCodeTypeSMS{Length: len(pc.Code)},
		PhoneCodeHash: pc.Hash,
		Timeout:       int(codeLifetime / time.Second),
	}, nil
}

func (s *Server) cancelCode(ctx context.Context, req *tg.AuthCancelCodeRequest) (bool, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.liveCode(req.PhoneNumber, req.PhoneCodeHash, c.ref); err != nil {
		return false, err
	}
	delete(s.codes, NormalizePhone(req.PhoneNumber))
	s.dirty = true
	return true, nil
}

func (s *Server) signIn(ctx context.Context, req *tg.AuthSignInRequest) (tg.AuthAuthorizationClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	acct, err := s.loginAccount(req.PhoneNumber, c.ref.DC)
	if err != nil {
		return nil, err
	}
	pc, err := s.liveCode(acct.Phone, req.PhoneCodeHash, c.ref)
	if err != nil {
		return nil, err
	}
	if req.PhoneCode == "" {
		return nil, errPhoneCodeEmpty
	}
	if req.PhoneCode != pc.Code {
		return nil, errPhoneCodeInvalid
	}
	delete(s.codes, acct.Phone)
	s.dirty = true
	a := s.auths[c.ref]
	if acct.Password != "" {
		a.PasswordUserID = acct.ID
		return nil, errPasswordNeeded
	}
	return s.authorize(a, acct), nil
}

// authorize logs the key in as acct.
func (s *Server) authorize(a *authz, acct *person) *tg.AuthAuthorization {
	a.UserID = acct.ID
	a.PasswordUserID = 0
	a.srp = nil
	a.Created = s.now().Unix()
	s.dirty = true
	s.log.Info("sandbox login", "user", acct.ID, "dc", a.DC)
	return &tg.AuthAuthorization{User: s.userFor(acct.ID, acct)}
}

func (s *Server) getPassword(ctx context.Context) (*tg.AccountPassword, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	a := s.auths[c.ref]
	uid := a.UserID
	if uid == 0 {
		uid = a.PasswordUserID
	}
	s.mu.Unlock()
	if uid == 0 {
		return nil, errAuthKeyUnregistered
	}
	secure := make([]byte, 256)
	newSalt := make([]byte, 8)
	secureSalt := make([]byte, 8)
	fillRandom(secure, newSalt, secureSalt)
	out := &tg.AccountPassword{
		NewAlgo: &tg.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow{
			Salt1: newSalt, Salt2: make([]byte, 16), G: srpG, P: srpPrimeBytes,
		},
		NewSecureAlgo: &tg.SecurePasswordKdfAlgoSHA512{Salt: secureSalt},
		SecureRandom:  secure,
	}
	ver, err := s.verifier(uid)
	if err != nil {
		return nil, err
	}
	if ver == nil {
		return out, nil
	}
	sess := ver.start(uid)
	s.mu.Lock()
	a.srp = sess
	hint := s.people[uid].PasswordHint
	s.mu.Unlock()
	out.HasPassword = true
	out.Hint = hint
	out.CurrentAlgo = ver.algo()
	out.SRPB = pad256(sess.gb)
	out.SRPID = sess.id
	return out, nil
}

// verifier computes a user's SRP verifier once (PBKDF2 with 100000 rounds
// is slow on purpose) outside the state lock.
func (s *Server) verifier(uid int64) (*srpVerifier, error) {
	s.mu.Lock()
	p := s.people[uid]
	pw := p.Password
	s.mu.Unlock()
	if pw == "" {
		return nil, nil
	}
	return s.srpCache(uid, pw)
}

func (s *Server) checkPassword(ctx context.Context, in tg.InputCheckPasswordSRPClass) (tg.AuthAuthorizationClass, error) {
	c := callerFrom(ctx)
	check, ok := in.(*tg.InputCheckPasswordSRP)
	if !ok {
		return nil, errPasswordEmpty
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.auths[c.ref]
	if a.PasswordUserID == 0 {
		if a.UserID != 0 {
			// Already logged in: Telegram checks the password the same way.
			a.PasswordUserID = a.UserID
		} else {
			return nil, errAuthKeyUnregistered
		}
	}
	sess := a.srp
	a.srp = nil // one try per account.getPassword, as on Telegram
	if sess == nil || sess.id != check.SRPID || sess.userID != a.PasswordUserID {
		return nil, errSRPIDInvalid
	}
	if !sess.check(check.A, check.M1) {
		return nil, errPasswordHash
	}
	return s.authorize(a, s.people[sess.userID]), nil
}

func (s *Server) logOut(ctx context.Context) (*tg.AuthLoggedOut, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.auths[c.ref]
	if a.UserID == 0 {
		return nil, errAuthKeyUnregistered
	}
	s.log.Info("sandbox logout", "user", a.UserID, "dc", a.DC)
	a.UserID = 0
	s.dirty = true
	return &tg.AuthLoggedOut{}, nil
}

func platformOf(model string) string {
	if model == "" {
		return "Unknown"
	}
	return model
}

func (s *Server) getAuthorizations(ctx context.Context) (*tg.AccountAuthorizations, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := &tg.AccountAuthorizations{AuthorizationTTLDays: 180}
	for _, a := range s.sortedAuths() {
		if a.UserID != c.userID || a.Revoked {
			continue
		}
		current := a.DC == c.ref.DC && a.KeyID == c.ref.KeyID
		hash := a.Hash
		if current {
			hash = 0 // Telegram shows the current session with hash 0
		}
		out.Authorizations = append(out.Authorizations, tg.Authorization{
			Current:       current,
			Hash:          hash,
			DeviceModel:   a.Init.DeviceModel,
			Platform:      platformOf(a.Init.SystemVersion),
			SystemVersion: a.Init.SystemVersion,
			APIID:         a.Init.APIID,
			AppName:       "Sandbox client",
			AppVersion:    a.Init.AppVersion,
			DateCreated:   int(a.Created),
			DateActive:    int(a.Active),
			IP:            "127.0.0.1",
			Country:       "Sandbox",
		})
	}
	return out, nil
}

func (s *Server) resetAuthorization(ctx context.Context, hash int64) (bool, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if hash == 0 {
		return false, errHashInvalid
	}
	for _, a := range s.auths {
		if a.UserID == c.userID && a.Hash == hash && !a.Revoked {
			if a.DC == c.ref.DC && a.KeyID == c.ref.KeyID {
				return false, errHashInvalid
			}
			s.revoke(a)
			return true, nil
		}
	}
	return false, errHashInvalid
}

func (s *Server) resetOtherAuthorizations(ctx context.Context) (bool, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.auths {
		if a.UserID == c.userID && !a.Revoked && (a.DC != c.ref.DC || a.KeyID != c.ref.KeyID) {
			s.revoke(a)
		}
	}
	return true, nil
}

func (s *Server) revoke(a *authz) {
	s.log.Info("sandbox session revoked", "user", a.UserID, "dc", a.DC)
	a.Revoked = true
	s.dirty = true
}

// RevokeSessions terminates every session of the account with this phone,
// as "Terminate all sessions" does; later calls on them get SESSION_REVOKED.
func (s *Server) RevokeSessions(phone string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byPhone[NormalizePhone(phone)]
	if !ok {
		return 0
	}
	n := 0
	for _, a := range s.auths {
		if a.UserID == p.ID && !a.Revoked {
			s.revoke(a)
			n++
		}
	}
	return n
}

// exported authorizations wait here for auth.importAuthorization on the
// target DC; gotd uses the pair when it opens a connection to another DC.
type exportedAuth struct {
	userID int64
	dc     int
}

func (s *Server) exportAuthorization(ctx context.Context, dcID int) (*tg.AuthExportedAuthorization, error) {
	c := callerFrom(ctx)
	if _, ok := s.dcs[dcID]; !ok {
		return nil, errDCIDInvalid
	}
	token := make([]byte, 32)
	fillRandom(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exported()[string(token)] = exportedAuth{userID: c.userID, dc: dcID}
	return &tg.AuthExportedAuthorization{ID: c.userID, Bytes: token}, nil
}

func (s *Server) importAuthorization(ctx context.Context, req *tg.AuthImportAuthorizationRequest) (tg.AuthAuthorizationClass, error) {
	c := callerFrom(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	ex, ok := s.exported()[string(req.Bytes)]
	if !ok || ex.userID != req.ID || ex.dc != c.ref.DC {
		return nil, errAuthBytesInvalid
	}
	delete(s.exported(), string(req.Bytes))
	return s.authorize(s.auths[c.ref], s.people[ex.userID]), nil
}

func (s *Server) exported() map[string]exportedAuth {
	if s.exports == nil {
		s.exports = map[string]exportedAuth{}
	}
	return s.exports
}

func (s *Server) srpCache(uid int64, password string) (*srpVerifier, error) {
	s.srpMu.Lock()
	defer s.srpMu.Unlock()
	if v, ok := s.srps[uid]; ok {
		return v, nil
	}
	v, err := newSRPVerifier(password)
	if err != nil {
		return nil, err
	}
	if s.srps == nil {
		s.srps = map[int64]*srpVerifier{}
	}
	s.srps[uid] = v
	return v, nil
}

func fillRandom(bufs ...[]byte) {
	for _, b := range bufs {
		_, _ = rand.Read(b)
	}
}

// sortedAuths lists authorizations oldest first, for stable answers.
func (s *Server) sortedAuths() []*authz {
	out := make([]*authz, 0, len(s.auths))
	for _, a := range s.auths {
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y *authz) int {
		if c := cmp.Compare(x.Created, y.Created); c != 0 {
			return c
		}
		return cmp.Compare(x.KeyID, y.KeyID)
	})
	return out
}
