package recipients

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode"

	"github.com/telegramate/telegramate/internal/apperr"
)

const bom = "\uFEFF"

// ParseText reads a pasted list: items separated by line breaks, commas,
// semicolons or spaces. Lines are counted from 1 for Invalid.Line.
func ParseText(s string, lim Limits) (Result, error) {
	lim = lim.withDefaults()
	if int64(len(s)) > lim.MaxBytes {
		return Result{}, tooLarge(lim.MaxBytes, "list")
	}
	c := newCollector(lim, "list")
	s = strings.TrimPrefix(s, bom)
	for i, line := range strings.Split(s, "\n") {
		for _, item := range strings.FieldsFunc(line, separator) {
			if err := c.add(i+1, item); err != nil {
				return Result{}, err
			}
		}
	}
	return c.res, nil
}

func separator(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) }

// Header names recognised in a CSV file, exactly (ignoring case, spaces,
// dashes and a leading @), in order of preference.
var (
	idHeaders   = []string{"user_id", "tg_id", "telegram_id", "userid", "id"}
	nameHeaders = []string{"username", "user_name", "telegram_username", "tg_username", "handle", "user"}
)

// ParseCSV reads an uploaded CSV file: with a header naming a user id
// column (user_id, id, tg_id, …) and/or a username column (username, user,
// handle, …), or without a header, one value per row. A byte order mark is
// skipped, and the delimiter (comma, semicolon or tab) is taken from the
// first line. A row with both an id and a username uses the id.
func ParseCSV(r io.Reader, lim Limits) (Result, error) {
	lim = lim.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		return Result{}, fmt.Errorf("read recipients file: %w", err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return Result{}, tooLarge(lim.MaxBytes, "file")
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return Result{}, badFile("The file is saved as UTF-16 text",
			"Save it as CSV UTF-8 (in Excel: File › Save As › CSV UTF-8) and upload it again.")
	}
	data = bytes.TrimPrefix(data, []byte(bom))

	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = delimiter(data)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	c := newCollector(lim, "file")
	idCol, nameCol := -1, -1
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return Result{}, badFile(fmt.Sprintf("The file is not valid CSV: line %d: %v", pe.Line, pe.Err),
					"Export it again as CSV, with one username or user id per row.")
			}
			return Result{}, fmt.Errorf("read recipients file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			idCol, nameCol = headerColumns(rec)
			if idCol >= 0 || nameCol >= 0 {
				continue
			}
			if values(rec) > 1 {
				return Result{}, badFile(fmt.Sprintf("The file has %d columns but no header naming them", len(rec)),
					"Add a first row naming the user_id or username column, or upload a file with one username or user id per row.")
			}
		}
		if idCol < 0 && nameCol < 0 {
			if err := oneColumn(c, line, rec); err != nil {
				return Result{}, err
			}
			continue
		}
		if err := headerRow(c, line, cell(rec, idCol), cell(rec, nameCol)); err != nil {
			return Result{}, err
		}
	}
	return c.res, nil
}

// headerRow reads a row of a file with a header: the id when it is one,
// else the username. The id column takes ids only, so a word there is not
// mistaken for a username.
func headerRow(c *collector, line int, id, name string) error {
	var idRef Ref
	idReason := ""
	if id != "" {
		if idRef, idReason = ParseRef(id); idRef.UserID == 0 && idReason != ReasonChatID {
			idRef, idReason = Ref{}, ReasonBadID
		}
		if idReason == "" || name == "" {
			return c.addRef(line, id, idRef, idReason)
		}
	}
	if name == "" {
		return nil
	}
	return c.add(line, name)
}

// oneColumn reads a row of a file without a header.
func oneColumn(c *collector, line int, rec []string) error {
	switch values(rec) {
	case 0:
		return nil
	case 1:
		for _, v := range rec {
			if v = strings.TrimSpace(v); v != "" {
				return c.add(line, v)
			}
		}
	}
	c.rows++
	if c.rows > c.lim.MaxRows {
		return tooManyRows(c.lim.MaxRows, c.source)
	}
	c.invalid(line, strings.Join(rec, ","), "several values in one row of a file without a header")
	return nil
}

func values(rec []string) int {
	n := 0
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			n++
		}
	}
	return n
}

func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// headerColumns finds the id and username columns of a header row; both
// are -1 when rec is not a header.
func headerColumns(rec []string) (idCol, nameCol int) {
	norm := make([]string, len(rec))
	for i, v := range rec {
		v = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(v), "@"))
		norm[i] = strings.NewReplacer(" ", "_", "-", "_").Replace(v)
	}
	find := func(names []string) int {
		for _, n := range names {
			for i, v := range norm {
				if v == n {
					return i
				}
			}
		}
		return -1
	}
	return find(idHeaders), find(nameHeaders)
}

// delimiter is the most frequent of comma, semicolon and tab outside
// quotes on the first non-empty line; comma when none appears.
func delimiter(data []byte) rune {
	counts := map[rune]int{}
	quoted := false
	seen := false
	for _, c := range string(data) {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			if seen {
				return best(counts)
			}
		case c == ',' || c == ';' || c == '\t':
			counts[c]++
			seen = true
		case !unicode.IsSpace(c):
			seen = true
		}
	}
	return best(counts)
}

func best(counts map[rune]int) rune {
	d := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[d] {
			d = c
		}
	}
	return d
}

func badFile(msg, hint string) *apperr.Error {
	return &apperr.Error{Code: apperr.CodeValidation, Message: msg, Hint: hint, Field: "recipients", Status: http.StatusUnprocessableEntity}
}
