package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/telegramate/telegramate/internal/accounts/accountstest"
)

// TestExpiredLoginPage: the code page of an expired login says it expired,
// not "Enter the verification code".
func TestExpiredLoginPage(t *testing.T) {
	a := startApp(t)
	b := signUp(t, a, "ann@example.com")
	id := b.startConnect(accountstest.AppA, accountstest.PhoneAnn)
	ageLogin(t, a, "ann@example.com", id, 16*time.Minute)
	page := string(b.get(fmt.Sprintf("/accounts/%d/code", id)).body)
	if !strings.Contains(page, `id="login-expired"`) || !strings.Contains(page, "This login ran out of time") ||
		strings.Contains(page, "Enter the verification code") {
		t.Errorf("expired login page:\n%s", page)
	}
}
