package extract

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/telegramate/telegramate/internal/apperr"
	"github.com/telegramate/telegramate/internal/audit"
	"github.com/telegramate/telegramate/internal/store"
	"github.com/telegramate/telegramate/internal/usertext"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
	FormatXLSX = "xlsx"
)

// ContentType is the media type of an export format.
func ContentType(format string) string {
	switch format {
	case FormatCSV:
		return "text/csv; charset=utf-8"
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/json"
}

// CheckFormat refuses a format we do not write.
func CheckFormat(format string) error {
	switch format {
	case FormatCSV, FormatJSON, FormatXLSX:
		return nil
	}
	return apperr.Validation("format", "format is csv, json or xlsx")
}

// FileName is a download's name: the list's name made safe, and the format.
func FileName(listName, format string) string {
	name := strings.Trim(unsafeName.ReplaceAllString(listName, "-"), "-")
	if name == "" {
		name = "members"
	}
	if len(name) > 80 {
		name = name[:80]
	}
	return name + "." + format
}

var unsafeName = regexp.MustCompile(`[^\p{L}\p{N}._ ]+`)

// MemberJSON is a member as the API and JSON exports write it.
type MemberJSON struct {
	ID         int64     `json:"id" doc:"Telegram user id"`
	AccessHash string    `json:"access_hash" doc:"Per account; a string, as it does not fit a JSON number exactly"`
	AccountID  int64     `json:"account_id" doc:"The account the access hash belongs to"`
	Username   string    `json:"username,omitempty"`
	Usernames  []string  `json:"usernames,omitempty" doc:"Other active usernames"`
	FirstName  string    `json:"first_name,omitempty"`
	LastName   string    `json:"last_name,omitempty"`
	Phone      string    `json:"phone,omitempty" doc:"International form (+447700900123); only when Telegram shows it"`
	Bot        bool      `json:"bot"`
	Deleted    bool      `json:"deleted"`
	Premium    bool      `json:"premium"`
	Verified   bool      `json:"verified"`
	Scam       bool      `json:"scam"`
	Fake       bool      `json:"fake"`
	LastSeen   string    `json:"last_seen" enum:"online,recently,last_week,last_month,long_ago,hidden"`
	LastSeenAt time.Time `json:"last_seen_at,omitzero" doc:"Exact, when Telegram gives it"`
	Role       string    `json:"role" enum:"member,admin,creator"`
	JoinedAt   time.Time `json:"joined_at,omitzero"`
}

// ToJSON is m as the API writes it.
func ToJSON(m store.Member) MemberJSON {
	return MemberJSON{
		ID: m.TGUserID, AccessHash: strconv.FormatInt(m.AccessHash, 10), AccountID: m.AccountID, Username: m.Username,
		Usernames: m.Usernames, FirstName: m.FirstName, LastName: m.LastName, Phone: PhoneText(m.Phone), Bot: m.Bot,
		Deleted: m.Deleted, Premium: m.Premium, Verified: m.Verified, Scam: m.Scam, Fake: m.Fake, LastSeen: m.LastSeen,
		LastSeenAt: m.LastSeenAt, Role: m.Role, JoinedAt: m.JoinedAt,
	}
}

// Columns of CSV and XLSX exports.
var exportHeader = []string{
	"id", "access_hash", "account_id", "username", "other_usernames", "first_name", "last_name", "phone",
	"bot", "deleted", "premium", "verified", "scam", "fake", "last_seen", "last_seen_at", "role", "joined_at",
}

// PhoneText writes a phone number Telegram gave (digits only) in
// international form, "+447700900123", so a spreadsheet or CRM reading the
// export does not take it for a local number.
func PhoneText(digits string) string {
	if digits == "" {
		return ""
	}
	return "+" + strings.TrimPrefix(digits, "+")
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// Export writes the filtered view of a list to w, in the filter's order,
// each member as it is read from the database: memory does not grow with
// the list.
func (s *Service) Export(ctx context.Context, userID, listID int64, f store.MemberFilter, format string, w io.Writer) error {
	if err := CheckFormat(format); err != nil {
		return err
	}
	list, err := s.List(ctx, userID, listID)
	if err != nil {
		return err
	}
	var ew exportWriter
	switch format {
	case FormatCSV:
		ew = newCSVWriter(w)
	case FormatXLSX:
		x, err := newXLSXWriter(w)
		if err != nil {
			return err
		}
		ew = x
	default:
		ew = &jsonWriter{w: w, enc: json.NewEncoder(w)}
	}
	if err := ew.begin(); err != nil {
		return err
	}
	n := 0
	err = s.st.ScanMembers(ctx, listID, f, func(m store.Member) error {
		n++
		return ew.row(m)
	})
	if err != nil {
		return fmt.Errorf("export list %d: %w", listID, err)
	}
	if err := ew.end(); err != nil {
		return fmt.Errorf("export list %d: %w", listID, err)
	}
	s.recordExport(ctx, userID, list, format, n)
	return nil
}

// recordExport writes a finished export to the workspace's audit log and,
// for an extraction's list, to its account's activity log. The file is
// out already: a failure is logged, not returned.
func (s *Service) recordExport(ctx context.Context, userID int64, list ListInfo, format string, n int) {
	by := audit.ActorFrom(ctx)
	detail := fmt.Sprintf("%s, %d members", strings.ToUpper(format), n)
	audit.RecordAfter(ctx, s.st, s.log, s.now(), userID, by, audit.Event{
		Action: audit.MemberListExported, TargetKind: audit.TargetMemberList, TargetID: list.ID, TargetLabel: list.Name, Detail: detail,
	})
	if list.Extraction == nil {
		return
	}
	line := fmt.Sprintf("Member list “%s” exported (%s)", list.Name, detail)
	if err := s.acc.LogActivity(ctx, userID, list.Extraction.AccountID, audit.MemberListExported, line, by.IP); err != nil {
		s.log.Error("account activity not recorded", slog.Int64("account", list.Extraction.AccountID), slog.String("event", audit.MemberListExported), slog.Any("err", err))
	}
}

type exportWriter interface {
	begin() error
	row(store.Member) error
	end() error
}

// jsonWriter writes a JSON array one member at a time.
type jsonWriter struct {
	w   io.Writer
	enc *json.Encoder
	n   int
}

func (j *jsonWriter) begin() error {
	_, err := io.WriteString(j.w, "[")
	return err
}

func (j *jsonWriter) row(m store.Member) error {
	if j.n > 0 {
		if _, err := io.WriteString(j.w, ","); err != nil {
			return err
		}
	}
	j.n++
	return j.enc.Encode(ToJSON(m))
}

func (j *jsonWriter) end() error {
	_, err := io.WriteString(j.w, "]\n")
	return err
}

// csvWriter writes UTF-8 with a byte order mark and CRLF line ends, which
// Excel needs to read UTF-8 and LibreOffice accepts.
type csvWriter struct {
	w   io.Writer
	c   *csv.Writer
	rec []string
}

func newCSVWriter(w io.Writer) *csvWriter {
	c := csv.NewWriter(w)
	c.UseCRLF = true
	return &csvWriter{w: w, c: c, rec: make([]string, len(exportHeader))}
}

func (c *csvWriter) begin() error {
	if _, err := io.WriteString(c.w, "\uFEFF"); err != nil {
		return err
	}
	return c.c.Write(exportHeader)
}

func yesNo(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func (c *csvWriter) row(m store.Member) error {
	r := c.rec
	r[0] = strconv.FormatInt(m.TGUserID, 10)
	r[1] = strconv.FormatInt(m.AccessHash, 10)
	r[2] = strconv.FormatInt(m.AccountID, 10)
	// Every text column through the formula guard, Telegram's own
	// (usernames, roles) too.
	r[3] = usertext.CSVCell(m.Username)
	r[4] = usertext.CSVCell(strings.Join(m.Usernames, " "))
	r[5] = usertext.CSVCell(m.FirstName)
	r[6] = usertext.CSVCell(m.LastName)
	r[7] = PhoneText(m.Phone) // "+" and digits, written by us: a number, not a formula
	r[8], r[9], r[10], r[11], r[12], r[13] = yesNo(m.Bot), yesNo(m.Deleted), yesNo(m.Premium), yesNo(m.Verified), yesNo(m.Scam), yesNo(m.Fake)
	r[14] = usertext.CSVCell(m.LastSeen)
	r[15] = formatTime(m.LastSeenAt)
	r[16] = usertext.CSVCell(m.Role)
	r[17] = formatTime(m.JoinedAt)
	return c.c.Write(r)
}

func (c *csvWriter) end() error {
	c.c.Flush()
	return c.c.Error()
}

// xlsxWriter uses excelize's StreamWriter, which keeps rows in a temporary
// file rather than in memory once there are many.
type xlsxWriter struct {
	w   io.Writer
	f   *excelize.File
	sw  *excelize.StreamWriter
	n   int // rows written
	buf []any
}

const sheetName = "Members"

func newXLSXWriter(w io.Writer) (*xlsxWriter, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return nil, err
	}
	return &xlsxWriter{w: w, f: f, sw: sw, buf: make([]any, len(exportHeader))}, nil
}

func (x *xlsxWriter) begin() error {
	head := make([]any, len(exportHeader))
	for i, h := range exportHeader {
		head[i] = h
	}
	x.n = 1
	return x.sw.SetRow("A1", head)
}

func (x *xlsxWriter) row(m store.Member) error {
	x.n++
	b := x.buf
	// Access hashes do not fit a spreadsheet number (15 digits): text.
	b[0], b[1], b[2] = m.TGUserID, strconv.FormatInt(m.AccessHash, 10), m.AccountID
	b[3], b[4], b[5], b[6], b[7] = m.Username, strings.Join(m.Usernames, " "), m.FirstName, m.LastName, PhoneText(m.Phone)
	b[8], b[9], b[10], b[11], b[12], b[13] = m.Bot, m.Deleted, m.Premium, m.Verified, m.Scam, m.Fake
	b[14], b[15], b[16], b[17] = m.LastSeen, formatTime(m.LastSeenAt), m.Role, formatTime(m.JoinedAt)
	cell, err := excelize.CoordinatesToCellName(1, x.n)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, b)
}

func (x *xlsxWriter) end() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	_, err := x.f.WriteTo(x.w)
	return err
}
