package extract_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/telegramate/telegramate/internal/extract"
	"github.com/telegramate/telegramate/internal/sandbox"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/store/storetest"
)

// row is one exported member, read back from any format.
type row map[string]string

var header = []string{
	"id", "access_hash", "account_id", "username", "other_usernames", "first_name", "last_name", "phone",
	"bot", "deleted", "premium", "verified", "scam", "fake", "last_seen", "last_seen_at", "role", "joined_at",
}

func (e *env) export(listID int64, f store.MemberFilter, format string) []byte {
	e.t.Helper()
	var buf bytes.Buffer
	if err := e.svc.Export(context.Background(), e.user.ID, listID, f, format, &buf); err != nil {
		e.t.Fatalf("export %s: %v", format, err)
	}
	return buf.Bytes()
}

func parseCSV(t *testing.T, data []byte) []row {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
		t.Error("CSV has no UTF-8 byte order mark (Excel would misread the names)")
	}
	if !bytes.Contains(data, []byte("\r\n")) {
		t.Error("CSV lines do not end in CRLF")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], header) {
		t.Fatalf("CSV header %q", recs[0])
	}
	return rows(recs[1:])
}

func rows(recs [][]string) []row {
	out := make([]row, 0, len(recs))
	for _, r := range recs {
		m := row{}
		for i, h := range header {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		out = append(out, m)
	}
	return out
}

func parseJSON(t *testing.T, data []byte) []row {
	t.Helper()
	var ms []extract.MemberJSON
	if err := json.Unmarshal(data, &ms); err != nil {
		t.Fatalf("JSON: %v\n%.300s", err, data)
	}
	out := make([]row, 0, len(ms))
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05")
	}
	for _, m := range ms {
		out = append(out, row{
			"id": strconv.FormatInt(m.ID, 10), "access_hash": m.AccessHash, "account_id": strconv.FormatInt(m.AccountID, 10),
			"username": m.Username, "other_usernames": strings.Join(m.Usernames, " "), "first_name": m.FirstName,
			"last_name": m.LastName, "phone": m.Phone, "bot": strconv.FormatBool(m.Bot), "deleted": strconv.FormatBool(m.Deleted),
			"premium": strconv.FormatBool(m.Premium), "verified": strconv.FormatBool(m.Verified), "scam": strconv.FormatBool(m.Scam),
			"fake": strconv.FormatBool(m.Fake), "last_seen": m.LastSeen, "last_seen_at": ts(m.LastSeenAt), "role": m.Role,
			"joined_at": ts(m.JoinedAt),
		})
	}
	return out
}

func parseXLSX(t *testing.T, data []byte) []row {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := f.GetRows("Members")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], header) {
		t.Fatalf("XLSX header %q", recs[0])
	}
	out := rows(recs[1:])
	for _, r := range out {
		for _, k := range []string{"bot", "deleted", "premium", "verified", "scam", "fake"} {
			r[k] = strings.ToLower(r[k]) // spreadsheets write TRUE/FALSE
		}
	}
	return out
}

// checkRows compares exported rows with the world's members.
func (e *env) checkRows(format string, got []row, want map[int64]sandbox.ChatMember, accountID int64) {
	t := e.t
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", format, len(got), len(want))
	}
	seen := map[string]bool{}
	for _, r := range got {
		id, _ := strconv.ParseInt(r["id"], 10, 64)
		w, ok := want[id]
		if !ok || seen[r["id"]] {
			t.Errorf("%s: unexpected or repeated row %v", format, r)
			continue
		}
		seen[r["id"]] = true
		first, last := w.FirstName, w.LastName
		if format == extract.FormatCSV {
			first, last = csvText(first), csvText(last)
		}
		role := store.RoleMember
		if w.Creator {
			role = store.RoleCreator
		} else if w.Admin {
			role = store.RoleAdmin
		}
		joined := w.Joined.UTC().Format("2006-01-02 15:04:05")
		if w.Creator {
			joined = ""
		}
		wantRow := row{
			"id": r["id"], "access_hash": strconv.FormatInt(w.AccessHash, 10), "account_id": strconv.FormatInt(accountID, 10),
			"username": w.Username, "first_name": first, "last_name": last, "bot": strconv.FormatBool(w.Bot),
			"deleted": strconv.FormatBool(w.Deleted), "premium": strconv.FormatBool(w.Premium), "verified": strconv.FormatBool(w.Verified),
			"role": role, "joined_at": joined,
		}
		if w.Deleted {
			wantRow["username"], wantRow["first_name"], wantRow["last_name"], wantRow["premium"], wantRow["verified"] = "", "", "", "false", "false"
		}
		for k, v := range wantRow {
			if r[k] != v {
				t.Errorf("%s: member %d %s = %q, want %q", format, id, k, r[k], v)
			}
		}
		if r["last_seen"] == "" {
			t.Errorf("%s: member %d has no last_seen", format, id)
		}
	}
}

func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

func TestExportsParseBackToTheWorld(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs}).ID)
	fam := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatFamily}).ID)
	for _, tc := range []struct {
		x    store.Extraction
		want map[int64]sandbox.ChatMember
	}{{x, expected(chatGoDevs, false)}, {fam, expected(chatFamily, false)}} {
		e.checkRows("csv", parseCSV(t, e.export(tc.x.ListID, store.MemberFilter{}, extract.FormatCSV)), tc.want, e.ann)
		e.checkRows("json", parseJSON(t, e.export(tc.x.ListID, store.MemberFilter{}, extract.FormatJSON)), tc.want, e.ann)
		e.checkRows("xlsx", parseXLSX(t, e.export(tc.x.ListID, store.MemberFilter{}, extract.FormatXLSX)), tc.want, e.ann)
	}
	// A name that looks like a formula stays text in spreadsheets.
	for _, r := range parseCSV(t, e.export(fam.ListID, store.MemberFilter{}, extract.FormatCSV)) {
		if r["id"] == "1007" && (r["first_name"] != `'=HYPERLINK("http://x.test")` || r["last_name"] != "'@evil") {
			t.Errorf("formula-like name exported as %q %q", r["first_name"], r["last_name"])
		}
	}
	// Exact times survive: Dan was last seen at a known moment.
	for _, r := range parseJSON(t, e.export(fam.ListID, store.MemberFilter{}, extract.FormatJSON)) {
		if r["id"] == "1004" && r["last_seen_at"] != "2026-01-01 00:00:00" {
			t.Errorf("Dan's last seen %q", r["last_seen_at"])
		}
	}
	if _, err := e.svc.Members(context.Background(), e.user.ID+1, x.ListID, store.MemberFilter{}, "", 10); !isCode(err, "not_found") {
		t.Errorf("another user's list: %v", err)
	}
	var buf bytes.Buffer
	if err := e.svc.Export(context.Background(), e.user.ID+1, x.ListID, store.MemberFilter{}, "csv", &buf); !isCode(err, "not_found") || buf.Len() != 0 {
		t.Errorf("another user's export: %v, %d bytes", err, buf.Len())
	}
	if err := e.svc.Export(context.Background(), e.user.ID, x.ListID, store.MemberFilter{}, "pdf", &buf); !isCode(err, "validation_failed") {
		t.Errorf("pdf export: %v", err)
	}
}

func TestFilteredViewsPagesAndExports(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs}).ID)
	world := sbx.ChatMembers(chatGoDevs)

	q := url.Values{"exclude_bots": {"1"}, "exclude_deleted": {"true"}, "has_username": {"yes"}, "q": {"ANNA"}, "sort": {"name"}}
	f, err := extract.ParseFilter(q, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]sandbox.ChatMember{}
	for _, m := range world {
		text := strings.ToLower(m.FirstName + " " + m.LastName + " " + m.Username)
		if !m.Bot && !m.Deleted && m.Username != "" && strings.Contains(text, "anna") {
			want[m.ID] = m
		}
	}
	if len(want) < 10 {
		t.Fatalf("world has only %d matches; pick another term", len(want))
	}
	// Browse in pages of 7 through cursors, in name order.
	var seen []store.Member
	cursor := ""
	for {
		p, err := e.svc.Members(ctx, e.user.ID, x.ListID, f, cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != len(want) {
			t.Fatalf("total %d, want %d", p.Total, len(want))
		}
		seen = append(seen, p.Members...)
		if p.Next == "" {
			break
		}
		cursor = p.Next
	}
	if len(seen) != len(want) || !slices.IsSortedFunc(seen, func(a, b store.Member) int { return strings.Compare(a.SortName(), b.SortName()) }) {
		t.Errorf("browsed %d members (want %d), sorted by name: %v", len(seen), len(want), slices.IsSortedFunc(seen, func(a, b store.Member) int { return strings.Compare(a.SortName(), b.SortName()) }))
	}
	e.checkRows("csv", parseCSV(t, e.export(x.ListID, f, extract.FormatCSV)), want, e.ann)

	for _, tc := range []struct {
		q    url.Values
		keep func(sandbox.ChatMember) bool
	}{
		{url.Values{"admins_only": {"1"}}, func(m sandbox.ChatMember) bool { return m.Admin }},
		{url.Values{"premium": {"1"}, "sort": {"username"}, "order": {"desc"}}, func(m sandbox.ChatMember) bool { return m.Premium && !m.Deleted }},
		{url.Values{"seen_within": {"7"}, "sort": {"last_seen"}}, func(m sandbox.ChatMember) bool {
			return !m.Bot && !m.Deleted && (m.Status == "online" || m.Status == "recently" || m.Status == "last_week" || m.ID == 1001)
		}},
		{url.Values{"seen_within": {"30d"}}, func(m sandbox.ChatMember) bool {
			return !m.Bot && !m.Deleted && (m.Status == "online" || m.Status == "recently" || m.Status == "last_week" || m.Status == "last_month" || m.ID == 1001)
		}},
	} {
		f, err := extract.ParseFilter(tc.q, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]sandbox.ChatMember{}
		for _, m := range world {
			if tc.keep(m) {
				want[m.ID] = m
			}
		}
		got := parseJSON(t, e.export(x.ListID, f, extract.FormatJSON))
		e.checkRows("json "+tc.q.Encode(), got, want, e.ann)
	}
	for _, bad := range []url.Values{{"sort": {"age"}}, {"order": {"up"}}, {"seen_within": {"-1"}}, {"exclude_bots": {"maybe"}}} {
		if _, err := extract.ParseFilter(bad, time.Now()); !isCode(err, "validation_failed") {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if _, err := e.svc.Members(ctx, e.user.ID, x.ListID, f, "12.%%%", 7); !isCode(err, "validation_failed") {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestMergeMakesAnAudienceWithoutDuplicates(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	ctx := context.Background()
	a := e.wait(e.start(extract.StartInput{AccountID: e.ann, ChatID: chatGoDevs}).ID)
	b := e.wait(e.start(extract.StartInput{AccountID: e.ann, Chat: "@public_square"}).ID)
	l, err := e.svc.Merge(ctx, e.user.ID, " Audience ", []int64{a.ListID, b.ListID, a.ListID})
	if err != nil {
		t.Fatal(err)
	}
	want := expected(chatGoDevs, false)
	for id, m := range expected(chatPublic, false) {
		want[id] = m // Bob is in both: once
	}
	if l.Name != "Audience" || l.MemberCount != len(want) || l.MemberCount != 1506+251-1 {
		t.Errorf("merged %+v, want %d members", l, len(want))
	}
	e.checkMembers(e.members(l.ID), want, e.ann)
	if _, err := e.svc.Merge(ctx, e.user.ID, "x", []int64{a.ListID}); !isCode(err, "validation_failed") {
		t.Errorf("merge of one list: %v", err)
	}
	if _, err := e.svc.Merge(ctx, e.user.ID, "", []int64{a.ListID, b.ListID}); !isCode(err, "validation_failed") {
		t.Errorf("merge without a name: %v", err)
	}
	if _, err := e.svc.Merge(ctx, e.user.ID+1, "x", []int64{a.ListID, b.ListID}); !isCode(err, "not_found") {
		t.Errorf("merge of another user's lists: %v", err)
	}
	lists, err := e.svc.Lists(ctx, e.user.ID)
	if err != nil || len(lists) != 3 || lists[0].ID != l.ID || lists[0].Extraction != nil || lists[1].Extraction == nil {
		t.Errorf("lists %+v, %v", lists, err)
	}
}

// streamCheck is a store whose scans check that the export has written
// earlier rows out before later ones are read: rows are not gathered in
// memory first.
type streamCheck struct {
	store.Store
	out      *bytes.Buffer
	scans    int
	rows     int
	buffered int // most rows read while nothing was written yet
}

func (s *streamCheck) ScanMembers(ctx context.Context, listID int64, f store.MemberFilter, fn func(store.Member) error) error {
	s.scans++
	return s.Store.ScanMembers(ctx, listID, f, func(m store.Member) error {
		s.rows++
		if s.out.Len() == 0 {
			s.buffered = s.rows
		}
		return fn(m)
	})
}

func (s *streamCheck) ListMembers(context.Context, int64, store.MemberFilter, store.MemberCursor, int) ([]store.Member, error) {
	panic("an export read a page of members instead of streaming them")
}

func TestExportsWriteWhileReading(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t))
	x := e.wait(e.start(extract.StartInput{AccountID: e.ann, Chat: "@big_crowd"}).ID)
	for _, format := range []string{extract.FormatCSV, extract.FormatJSON} {
		var buf bytes.Buffer
		sc := &streamCheck{Store: e.st, out: &buf}
		svc, err := extract.New(extract.Options{Store: sc, Accounts: e.acc})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Export(context.Background(), e.user.ID, x.ListID, store.MemberFilter{Sort: store.SortLastSeen, Desc: true}, format, &buf); err != nil {
			t.Fatal(err)
		}
		// CSV flushes every 4 KiB, about 20 rows; JSON writes each row.
		if sc.scans != 1 || sc.rows != x.Fetched || sc.buffered > 100 {
			t.Errorf("%s: %d scans, %d rows, %d read before the first byte out", format, sc.scans, sc.rows, sc.buffered)
		}
	}
}
