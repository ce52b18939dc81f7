package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/telegramate/telegramate/internal/store"
)

// Members are written and read with hand-written SQL, kept to what both
// engines accept: a page of members is one multi-row INSERT (one statement
// per page instead of one per member, which is most of an extraction's
// database time), and the member browser's filters and keyset orders are
// composed at run time, which sqlc cannot express.

const memberColumns = "list_id, account_id, tg_user_id, access_hash, username, usernames, first_name, last_name, phone, " +
	"bot, deleted, premium, verified, scam, fake, last_seen, last_seen_at, seen_rank, role, joined_at, " +
	"search_text, sort_name, fetched_at"

// insertChunk keeps one statement's parameters well under both engines'
// limits (SQLite 32766, PostgreSQL 65535).
const insertChunk = 500

// conn is the connection or transaction, with times normalised as the
// generated queries have them.
func (q queries) conn() utcArgs {
	if q.tx != nil {
		return utcArgs{q.tx}
	}
	return utcArgs{q.db}
}

// SQLite binds every parameter with a call into the engine, and binding is
// a third of a member's insert, so a page binds what is the same for all
// its members (list, account, fetch time) once, and the six flags as one
// integer that SQL takes apart. Parameters are plain "?" in the order the
// arguments come (list, account, fetch time, then the rows): the driver
// matches numbered ones ("?NNN") to arguments in time that grows with
// their count squared.
const (
	memberValueColumns  = 15
	insertMembersSelect = "INSERT INTO members (" + memberColumns + ") " +
		"SELECT ?, ?, v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, " +
		"(v.column8 & 1) <> 0, (v.column8 & 2) <> 0, (v.column8 & 4) <> 0, (v.column8 & 8) <> 0, " +
		"(v.column8 & 16) <> 0, (v.column8 & 32) <> 0, " +
		"v.column9, v.column10, v.column11, v.column12, v.column13, v.column14, v.column15, ? FROM (VALUES "
	insertMembersTail = ") AS v WHERE true ON CONFLICT (list_id, tg_user_id) DO NOTHING"
)

// insertStmt is SQLite's page INSERT of rows members, prepared once per
// store and size: parsing a statement of thousands of parameters again for
// every page costs more than the insert itself.
func (q queries) insertStmt(ctx context.Context, rows int) (*sql.Stmt, error) {
	var b strings.Builder
	b.WriteString(insertMembersSelect)
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range memberValueColumns {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	b.WriteString(insertMembersTail)
	// Cached: the texts are at most insertChunk, one per size of chunk.
	return q.stmts.stmt(ctx, q.tx, b.String())
}

// insertMembers adds members to a list, skipping users already in it, and
// returns how many it added.
func (q queries) insertMembers(ctx context.Context, listID int64, members []store.Member) (int64, error) {
	if q.d.Name == "postgres" {
		return q.insertMemberArrays(ctx, listID, members)
	}
	var added int64
	for len(members) > 0 {
		// A statement takes members that share an account and a fetch
		// time: one page, in practice.
		n := 1
		for n < len(members) && n < insertChunk && members[n].AccountID == members[0].AccountID &&
			members[n].FetchedAt.Equal(members[0].FetchedAt) {
			n++
		}
		chunk := members[:n]
		members = members[n:]
		args := make([]any, 3, 3+len(chunk)*memberValueColumns)
		args[0], args[1], args[2] = listID, chunk[0].AccountID, Time(chunk[0].FetchedAt)
		for _, m := range chunk {
			args = append(args, m.TGUserID, m.AccessHash, m.Username, strings.Join(m.Usernames, " "),
				m.FirstName, m.LastName, m.Phone, memberFlags(m), m.LastSeen, nullTime(Time(m.LastSeenAt)),
				m.SeenRank, m.Role, nullTime(Time(m.JoinedAt)), m.SearchText(), m.SortName())
		}
		st, err := q.insertStmt(ctx, len(chunk))
		if err != nil {
			return added, fmt.Errorf("insert members: %w", mapErr(q.d, err))
		}
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return added, fmt.Errorf("insert members: %w", mapErr(q.d, err))
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return added, fmt.Errorf("insert members: %w", err)
		}
		added += affected
	}
	return added, nil
}

// memberFlags packs the six flags in the bit order insertMembersSelect
// unpacks them.
func memberFlags(m store.Member) int64 {
	var f int64
	for i, b := range []bool{m.Bot, m.Deleted, m.Premium, m.Verified, m.Scam, m.Fake} {
		if b {
			f |= 1 << i
		}
	}
	return f
}

// insertMemberArrays is insertMembers for PostgreSQL: one array per column
// and unnest() on the server, so a page is one statement with 23
// parameters, whatever its size, instead of 23 per member (the server parses
// and plans it once, and pgx sends the arrays in binary).
const insertMemberArrays = "INSERT INTO members (" + memberColumns + ") " +
	"SELECT $1, u.* FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[], " +
	"$8::text[], $9::text[], $10::boolean[], $11::boolean[], $12::boolean[], $13::boolean[], $14::boolean[], " +
	"$15::boolean[], $16::text[], $17::timestamptz[], $18::bigint[], $19::text[], $20::timestamptz[], $21::text[], " +
	"$22::text[], $23::timestamptz[]) AS u " +
	"ON CONFLICT (list_id, tg_user_id) DO NOTHING"

func (q queries) insertMemberArrays(ctx context.Context, listID int64, members []store.Member) (int64, error) {
	n := len(members)
	var (
		accountID, userID, accessHash, seenRank                                 = make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		username, usernames, first, last, phone, lastSeen, role, search, sortBy = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		bot, deleted, premium, verified, scam, fake                             = make([]bool, n), make([]bool, n), make([]bool, n), make([]bool, n), make([]bool, n), make([]bool, n)
		lastSeenAt, joinedAt                                                    = make([]*time.Time, n), make([]*time.Time, n)
		fetchedAt                                                               = make([]time.Time, n)
	)
	for i, m := range members {
		accountID[i], userID[i], accessHash[i], seenRank[i] = m.AccountID, m.TGUserID, m.AccessHash, m.SeenRank
		username[i], usernames[i], first[i], last[i], phone[i] = m.Username, strings.Join(m.Usernames, " "), m.FirstName, m.LastName, m.Phone
		lastSeen[i], role[i], search[i], sortBy[i] = m.LastSeen, m.Role, m.SearchText(), m.SortName()
		bot[i], deleted[i], premium[i], verified[i], scam[i], fake[i] = m.Bot, m.Deleted, m.Premium, m.Verified, m.Scam, m.Fake
		lastSeenAt[i], joinedAt[i], fetchedAt[i] = timePtr(m.LastSeenAt), timePtr(m.JoinedAt), Time(m.FetchedAt)
	}
	res, err := q.conn().ExecContext(ctx, insertMemberArrays, listID, accountID, userID, accessHash, username, usernames,
		first, last, phone, bot, deleted, premium, verified, scam, fake, lastSeen, lastSeenAt, seenRank, role, joinedAt,
		search, sortBy, fetchedAt)
	if err != nil {
		return 0, fmt.Errorf("insert members: %w", mapErr(q.d, err))
	}
	added, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("insert members: %w", err)
	}
	return added, nil
}

// timePtr is t as the store keeps it, or nil (NULL) for the zero time.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = Time(t)
	return &t
}

// memberQuery composes a filter into SQL.
type memberQuery struct {
	d     *Dialect
	where []string
	args  []any
}

func (m *memberQuery) arg(v any) string {
	m.args = append(m.args, v)
	return m.d.Placeholder(len(m.args))
}

// sortKey is the column expression of the filter's order ("" for the order
// of discovery, which is the row id).
func sortKey(f store.MemberFilter) string {
	switch f.Sort {
	case store.SortName:
		return "sort_name"
	case store.SortUsername:
		return "lower(username)"
	case store.SortLastSeen:
		return "seen_rank"
	}
	return ""
}

func newMemberQuery(d *Dialect, listID int64, f store.MemberFilter) *memberQuery {
	m := &memberQuery{d: d}
	m.where = append(m.where, "list_id = "+m.arg(listID))
	if f.ExcludeBots {
		m.where = append(m.where, "NOT bot")
	}
	if f.ExcludeDeleted {
		m.where = append(m.where, "NOT deleted")
	}
	if f.HasUsername {
		m.where = append(m.where, "username <> ''")
	}
	if f.AdminsOnly {
		m.where = append(m.where, "role IN ('admin', 'creator')")
	}
	if f.PremiumOnly {
		m.where = append(m.where, "premium")
	}
	if !f.SeenSince.IsZero() {
		m.where = append(m.where, "seen_rank >= "+m.arg(f.SeenSince.Unix()))
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		m.where = append(m.where, "search_text LIKE "+m.arg("%"+escapeLike(strings.ToLower(s))+"%")+` ESCAPE '\'`)
	}
	return m
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (q queries) CountMembers(ctx context.Context, listID int64, f store.MemberFilter) (int, error) {
	m := newMemberQuery(q.d, listID, f)
	var n int64
	err := q.conn().QueryRowContext(ctx, "SELECT COUNT(*) FROM members WHERE "+strings.Join(m.where, " AND "), m.args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count members: %w", mapErr(q.d, err))
	}
	return int(n), nil
}

const memberSelect = "SELECT id, " + memberColumns + " FROM members WHERE "

func (q queries) ListMembers(ctx context.Context, listID int64, f store.MemberFilter, after store.MemberCursor, limit int) ([]store.Member, error) {
	m := newMemberQuery(q.d, listID, f)
	key := sortKey(f)
	cmp, dir := ">", "ASC"
	if f.Desc {
		cmp, dir = "<", "DESC"
	}
	if after.ID != 0 {
		switch k, _ := after.Key.(string); {
		case key == "":
			m.where = append(m.where, "id "+cmp+" "+m.arg(after.ID))
		case blanksLast(f) && k == "":
			// Past the cursor, among the blanks that end the list.
			m.where = append(m.where, fmt.Sprintf("(%s = '' AND id %s %s)", key, cmp, m.arg(after.ID)))
		case blanksLast(f):
			k1, k2, id := m.arg(after.Key), m.arg(after.Key), m.arg(after.ID)
			m.where = append(m.where, fmt.Sprintf("(%s = '' OR %s %s %s OR (%s = %s AND id %s %s))", key, key, cmp, k1, key, k2, cmp, id))
		default:
			k1, k2, id := m.arg(after.Key), m.arg(after.Key), m.arg(after.ID)
			m.where = append(m.where, fmt.Sprintf("(%s %s %s OR (%s = %s AND id %s %s))", key, cmp, k1, key, k2, cmp, id))
		}
	}
	query := memberSelect + strings.Join(m.where, " AND ") + " ORDER BY " + memberOrder(f, key, dir) + " LIMIT " + m.arg(int64(limit))
	out := make([]store.Member, 0, limit)
	err := q.scan(ctx, query, m.args, func(mb store.Member) error {
		out = append(out, mb)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return out, nil
}

func memberOrder(f store.MemberFilter, key, dir string) string {
	if key == "" {
		return "id " + dir
	}
	order := key + " " + dir + ", id " + dir
	if blanksLast(f) {
		order = "(" + key + " = '') ASC, " + order
	}
	return order
}

// blanksLast: members without a name or username end a list sorted by
// it, in either direction, instead of filling its first pages.
func blanksLast(f store.MemberFilter) bool {
	return f.Sort == store.SortName || f.Sort == store.SortUsername
}

func (q queries) ScanMembers(ctx context.Context, listID int64, f store.MemberFilter, fn func(store.Member) error) error {
	m := newMemberQuery(q.d, listID, f)
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	query := memberSelect + strings.Join(m.where, " AND ") + " ORDER BY " + memberOrder(f, sortKey(f), dir)
	if err := q.scan(ctx, query, m.args, fn); err != nil {
		return fmt.Errorf("scan members: %w", err)
	}
	return nil
}

// scan runs a member query and hands each row to fn as it is read.
func (q queries) scan(ctx context.Context, query string, args []any, fn func(store.Member) error) error {
	rows, err := q.conn().QueryContext(ctx, query, args...)
	if err != nil {
		return mapErr(q.d, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			mb                 store.Member
			usernames          string
			lastSeenAt, joined sql.NullTime
			searchText, sortBy string
		)
		if err := rows.Scan(&mb.ID, &mb.ListID, &mb.AccountID, &mb.TGUserID, &mb.AccessHash, &mb.Username, &usernames,
			&mb.FirstName, &mb.LastName, &mb.Phone, &mb.Bot, &mb.Deleted, &mb.Premium, &mb.Verified, &mb.Scam, &mb.Fake,
			&mb.LastSeen, &lastSeenAt, &mb.SeenRank, &mb.Role, &joined, &searchText, &sortBy, &mb.FetchedAt); err != nil {
			return err
		}
		mb.Usernames = strings.Fields(usernames)
		mb.LastSeenAt = fromNullTime(lastSeenAt)
		mb.JoinedAt = fromNullTime(joined)
		mb.FetchedAt = mb.FetchedAt.UTC()
		if err := fn(mb); err != nil {
			return err
		}
	}
	return rows.Err()
}
