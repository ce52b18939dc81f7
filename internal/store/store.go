// Package store keeps everything Telegramate remembers, behind one interface
// with two engines, SQLite (embedded, the default) and PostgreSQL (several
// nodes sharing the work), and one implementation (sqlstore). Its
// statements are sqlc's, generated for both engines from one query set,
// except those whose text depends on their data or on the engine, which
// sqlstore writes by hand in one *_dynamic.go file per domain (and
// leases.go, restores.go).
//
// Times are passed in from Go and stored in UTC; SQL calls the database's
// clock only for the leases (their expiry must not depend on any node's
// clock), because the two dialects disagree about it.
//
// Where things are: storeopen.Open picks the engine; queries/ and
// migrations/ are the SQL; sqlstore is the shared implementation; sqlite/
// and postgres/ hold what differs; storetest.Each runs a test on both.
// Adding a query: write it in queries/, run go generate ./internal/store/...,
// implement the method in sqlstore. Write it by hand (a *_dynamic.go file)
// only when no one static statement can say it for both engines.
//
// Tenancy: rows belong to a workspace. On the owned tables the column is
// still named user_id, and the queries' userID parameters keep that name,
// but they HOLD THE OWNING WORKSPACE'S ID (see Workspace; renamed in the
// store's reshape, issue 24).
package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

var (
	// ErrNotFound is returned when a row does not exist, or belongs to
	// another user (callers must not be able to tell the two apart).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a unique constraint refuses a write.
	ErrConflict = errors.New("store: conflict")
)

// Store is the database. Its Queries run outside a transaction; InTx runs a
// group of them in one.
type Store interface {
	Queries

	// Dialect is "sqlite" or "postgres".
	Dialect() string
	// DB is the underlying pool, for River's driver.
	DB() *sql.DB
	Ping(ctx context.Context) error
	Close() error
	// Migrate brings the schema, River's tables included, up to date. On
	// PostgreSQL it holds an advisory lock, so nodes starting together take
	// turns. storeopen.Open calls it unless told not to.
	Migrate(ctx context.Context) error

	// InTx runs fn in a transaction, committed when fn returns nil. River
	// jobs are enqueued with tx.SQL() so they commit with the rows they act
	// on.
	InTx(ctx context.Context, fn func(tx Tx) error) error
}

// Tx is a Store bound to one transaction.
type Tx interface {
	Queries
	SQL() *sql.Tx
}

// Queries is every read and write, grouped by what they hold.
type Queries interface {
	Users
	Workspaces
	WebSessions
	LoginThrottle
	Tokens
	Sealed
	Accounts
	Extractions
	Campaigns
	Leases
	Inbox
	Webhooks
	Restores
	AccountCalls
	Ops
	Retention
	Compactor
	Audit
	Media
	CampaignMedia
	InboxMedia
}

// User is a platform user (not a Telegram account).
type User struct {
	ID           int64
	Email        string // lower-cased
	PasswordHash string // argon2id, PHC string format
	IsAdmin      bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type NewUser struct {
	Email        string
	PasswordHash string
	// ForceAdmin makes the user an admin (`telegramate user create
	// --admin`); nobody becomes one by being first.
	ForceAdmin bool
	Now        time.Time
}

type Users interface {
	// CreateUser inserts a user and, in the same transaction, a workspace
	// of their own ("<email>'s workspace") with them as owner. A taken
	// email is ErrConflict.
	CreateUser(ctx context.Context, u NewUser) (User, error)
	UserByID(ctx context.Context, id int64) (User, error)
	UserByEmail(ctx context.Context, email string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	SetUserPassword(ctx context.Context, id int64, passwordHash string, now time.Time) error
	CountAdmins(ctx context.Context) (int, error)
}

// WebSessions backs scs's session store.
type WebSessions interface {
	// SessionFind returns the data of an unexpired session.
	SessionFind(ctx context.Context, token string, now time.Time) (data []byte, found bool, err error)
	SessionCommit(ctx context.Context, token string, data []byte, expiry time.Time) error
	SessionDelete(ctx context.Context, token string) error
	// SessionDeleteExpired is the pruning job's work.
	SessionDeleteExpired(ctx context.Context, now time.Time) (int64, error)

	// SessionCommitOwned is SessionCommit that also records whose session
	// it is (0 for nobody yet) and, on its first commit, when and from
	// where it began.
	SessionCommitOwned(ctx context.Context, s OwnedSession) error
	// ListUserSessions lists a user's unexpired sessions, newest first.
	ListUserSessions(ctx context.Context, userID int64, now time.Time) ([]WebSession, error)
	// DeleteUserSession ends one of the user's sessions; another user's is
	// ErrNotFound.
	DeleteUserSession(ctx context.Context, userID int64, token string) error
	// DeleteUserSessionsExcept ends every session of the user but keep
	// ("" ends them all) and returns how many it ended.
	DeleteUserSessionsExcept(ctx context.Context, userID int64, keep string) (int64, error)
}

// OwnedSession is a web session as committed.
type OwnedSession struct {
	Token     string // the hash of the cookie's value
	Data      []byte
	Expiry    time.Time
	UserID    int64 // 0 while nobody is logged in
	Now       time.Time
	ClientIP  string
	UserAgent string
}

// WebSession is a user's session as listed.
type WebSession struct {
	Token     string // the hash of the cookie's value, never the value
	Expiry    time.Time
	CreatedAt time.Time
	ClientIP  string
	UserAgent string
}

// LoginThrottle counts failed logins per key (email and client IP), in the
// database so that every node sees the same count, and remembers the
// browsers that logged in before, which are throttled on their own.
type LoginThrottle interface {
	AddLoginFailure(ctx context.Context, key string, at time.Time) error
	LoginFailuresSince(ctx context.Context, key string, since time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, key string) error
	DeleteLoginFailuresBefore(ctx context.Context, before time.Time) (int64, error)
	// LastLoginFailure is the time of the key's newest failure, ErrNotFound
	// when it has none.
	LastLoginFailure(ctx context.Context, key string) (time.Time, error)

	// AddLoginDevice remembers a browser that logged in as userID, by the
	// hash of the value of its device cookie.
	AddLoginDevice(ctx context.Context, hash []byte, userID int64, now time.Time) error
	// LoginDeviceUser is the user a device logged in as, ErrNotFound for
	// an unknown one.
	LoginDeviceUser(ctx context.Context, hash []byte) (int64, error)
}

// Workspace is what several people share: on the owned tables (accounts,
// pending logins, account activity and calls, member lists, extractions,
// campaigns and their deliveries, suppressions, conversations and their
// messages, webhooks and their deliveries) the column user_id, and every
// userID parameter of the queries over them, HOLDS THE OWNING WORKSPACE'S
// ID (migration 00029 made every user's workspace with the user's id; the
// columns are renamed in the store's reshape, issue 24). Users, web
// sessions, login devices and API tokens keep user_id as the person.
type Workspace struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// Membership is a person's place in a workspace.
type Membership struct {
	Workspace
	Role string // owner, admin, operator or viewer
}

// WorkspaceMember is one member as the members page lists them.
type WorkspaceMember struct {
	UserID    int64
	Email     string
	Role      string
	CreatedAt time.Time
}

type Workspaces interface {
	// CreateWorkspace makes a workspace with ownerID as its owner.
	CreateWorkspace(ctx context.Context, name string, ownerID int64, now time.Time) (Workspace, error)
	WorkspaceByID(ctx context.Context, id int64) (Workspace, error)
	RenameWorkspace(ctx context.Context, id int64, name string) error
	// DeleteWorkspace deletes it with everything it owns.
	DeleteWorkspace(ctx context.Context, id int64) error
	// Membership is ErrNotFound for a person who is not a member.
	Membership(ctx context.Context, workspaceID, userID int64) (Membership, error)
	// UserWorkspaces lists a person's workspaces, oldest first.
	UserWorkspaces(ctx context.Context, userID int64) ([]Membership, error)
	WorkspaceMembers(ctx context.Context, workspaceID int64) ([]WorkspaceMember, error)
	// AddWorkspaceMember is ErrConflict for a member already there, or a
	// second owner.
	AddWorkspaceMember(ctx context.Context, workspaceID, userID int64, role string, now time.Time) error
	// SetWorkspaceMemberRole is ErrNotFound for a non-member, ErrConflict
	// for a second owner.
	SetWorkspaceMemberRole(ctx context.Context, workspaceID, userID int64, role string) error
	RemoveWorkspaceMember(ctx context.Context, workspaceID, userID int64) error
	Invitations
}

// Invitation is an invitation to a workspace. The token it was sent with
// is not kept: only its SHA-256 hash, which finds it.
type Invitation struct {
	ID             int64
	WorkspaceID    int64
	WorkspaceName  string
	Email          string
	Role           string
	InvitedBy      int64  // 0 once that user is deleted
	InvitedByEmail string // "" then
	CreatedAt      time.Time
	ExpiresAt      time.Time
	AcceptedAt     time.Time // zero while not accepted
	RevokedAt      time.Time // zero while not revoked
}

type NewInvitation struct {
	WorkspaceID int64
	Email       string
	Role        string
	TokenHash   []byte
	InvitedBy   int64
	Now         time.Time
	ExpiresAt   time.Time
}

// Invitations to a workspace. A pending one is neither accepted nor
// revoked and not yet expired.
type Invitations interface {
	// CreateInvitation returns the new invitation's id.
	CreateInvitation(ctx context.Context, in NewInvitation) (int64, error)
	// InvitationByHash finds any invitation, pending or not.
	InvitationByHash(ctx context.Context, tokenHash []byte) (Invitation, error)
	PendingInvitations(ctx context.Context, workspaceID int64, now time.Time) ([]Invitation, error)
	// RevokeInvitation is ErrNotFound unless the invitation is pending.
	RevokeInvitation(ctx context.Context, workspaceID, id int64, now time.Time) error
	// RevokeInvitationsTo revokes the pending invitations of email.
	RevokeInvitationsTo(ctx context.Context, workspaceID int64, email string, now time.Time) error
	// UseInvitation marks a pending invitation accepted by userID, once:
	// ErrNotFound unless it was pending.
	UseInvitation(ctx context.Context, id, userID int64, now time.Time) error
}

// Token is an API token. Only a hash of its value is stored; Prefix is the
// first characters, shown so a person can tell tokens apart.
type Token struct {
	ID     int64
	UserID int64 // the member who made it
	// WorkspaceID is the workspace it acts in, with its member's role
	// (Role, read with the token) or read-only.
	WorkspaceID int64
	ReadOnly    bool
	Role        string // filled by TokenByHash only
	Name        string
	Prefix      string
	CreatedAt   time.Time
	LastUsedAt  time.Time // zero when never used
	RevokedAt   time.Time // zero while valid
	ExpiresAt   time.Time // zero for a token that never expires
}

type NewToken struct {
	UserID      int64
	WorkspaceID int64
	ReadOnly    bool
	Name        string
	Hash        []byte // SHA-256 of the token value
	Prefix      string
	Now         time.Time
	// ExpiresAt is when the token stops working; zero never.
	ExpiresAt time.Time
}

type Tokens interface {
	CreateToken(ctx context.Context, t NewToken) (Token, error)
	// ListTokens lists a user's tokens, revoked ones included, newest first.
	ListTokens(ctx context.Context, userID int64) ([]Token, error)
	// TokensPage is at most limit of a user's tokens older than beforeID
	// (0: from the newest), newest first.
	TokensPage(ctx context.Context, userID, beforeID int64, limit int) ([]Token, error)
	// RevokeToken is ErrNotFound for another user's token.
	RevokeToken(ctx context.Context, userID, tokenID int64, now time.Time) error
	// TokenByHash finds an unrevoked token, its owner and the owner's role
	// in the token's workspace; a token whose owner is no longer a member
	// is ErrNotFound.
	TokenByHash(ctx context.Context, hash []byte) (Token, User, error)
	TouchToken(ctx context.Context, tokenID int64, now time.Time) error
}

// Sealed gives `telegramate secrets rotate` every sealed column.
type Sealed interface {
	// RewrapSealed passes every sealed value through fn and writes back what
	// it returns, in one transaction; it returns how many values it rewrote.
	// A table that gains a sealed column must be added here.
	RewrapSealed(ctx context.Context, fn func(sealed []byte) ([]byte, error)) (int, error)
	// EachSealed passes every sealed value to fn without writing; fn's
	// error stops the walk and is returned, naming the row.
	EachSealed(ctx context.Context, fn func(sealed []byte) error) error
	// EachSealedHeader passes the start of every sealed value, enough for
	// its key id (secrets.HeaderKeyID): the cheap check a serving node
	// repeats.
	EachSealedHeader(ctx context.Context, fn func(header []byte) error) error
}
