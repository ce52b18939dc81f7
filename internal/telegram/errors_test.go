package telegram

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gotd/td/tgerr"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		code int
		msg  string
		want error
	}{
		{400, "API_ID_INVALID", ErrAPIIDInvalid},
		{400, "API_ID_PUBLISHED_FLOOD", ErrAPIIDInvalid},
		{400, "PHONE_NUMBER_INVALID", ErrPhoneNumberInvalid},
		{400, "PHONE_NUMBER_BANNED", ErrPhoneNumberBanned},
		{400, "PHONE_NUMBER_FLOOD", ErrPhoneNumberFlood},
		{400, "PHONE_NUMBER_UNOCCUPIED", ErrPhoneNumberUnoccupied},
		{400, "PHONE_CODE_INVALID", ErrPhoneCodeInvalid},
		{400, "PHONE_CODE_EXPIRED", ErrPhoneCodeExpired},
		{400, "PHONE_CODE_EMPTY", ErrPhoneCodeEmpty},
		{400, "SEND_CODE_UNAVAILABLE", ErrSendCodeUnavailable},
		{401, "SESSION_PASSWORD_NEEDED", ErrPasswordNeeded},
		{400, "PASSWORD_HASH_INVALID", ErrPasswordInvalid},
		{401, "AUTH_KEY_UNREGISTERED", ErrSessionRevoked},
		{401, "AUTH_KEY_INVALID", ErrSessionRevoked},
		{401, "SESSION_REVOKED", ErrSessionRevoked},
		{401, "SESSION_EXPIRED", ErrSessionRevoked},
		{401, "USER_DEACTIVATED", ErrSessionRevoked},
		{401, "USER_DEACTIVATED_BAN", ErrSessionRevoked},
		{401, "SOMETHING_NEW_401", ErrSessionRevoked},
		{400, "PEER_FLOOD", ErrPeerFlood},
		{403, "USER_PRIVACY_RESTRICTED", ErrPrivacyRestricted},
		{400, "CHAT_ADMIN_REQUIRED", ErrChatAdminRequired},
		{500, "INTERNAL", ErrServer},
		{420, "FLOOD_WAIT_3", ErrFloodWait},
		{420, "FLOOD_PREMIUM_WAIT_7", ErrFloodWait},
	}
	sentinels := []error{
		ErrAPIIDInvalid, ErrPhoneNumberInvalid, ErrPhoneNumberBanned, ErrPhoneNumberFlood,
		ErrPhoneNumberUnoccupied, ErrPhoneCodeInvalid, ErrPhoneCodeExpired, ErrPhoneCodeEmpty,
		ErrSendCodeUnavailable, ErrPasswordNeeded, ErrPasswordInvalid, ErrSessionRevoked,
		ErrPeerFlood, ErrPrivacyRestricted, ErrChatAdminRequired, ErrFloodWait, ErrServer,
	}
	for _, c := range cases {
		t.Run(c.msg, func(t *testing.T) {
			orig := tgerr.New(c.code, c.msg)
			got := classify("auth.signIn", fmt.Errorf("rpcDoRequest: %w", orig))
			for _, s := range sentinels {
				if errors.Is(got, s) != (s == c.want) {
					t.Errorf("errors.Is(%v, %v) = %v", got, s, !(s == c.want))
				}
			}
			if rpc, ok := tgerr.As(got); !ok || rpc != orig {
				t.Errorf("original RPC error lost: %v", got)
			}
			if !strings.Contains(got.Error(), "auth.signIn") {
				t.Errorf("error %q does not name the method", got)
			}
		})
	}
}

func TestClassifyFloodWait(t *testing.T) {
	err := classify("messages.sendMessage", tgerr.New(420, "FLOOD_WAIT_37"))
	var fw *FloodWaitError
	if !errors.As(err, &fw) {
		t.Fatalf("got %T %v, want *FloodWaitError", err, err)
	}
	if fw.Wait != 37*time.Second || fw.Method != "messages.sendMessage" {
		t.Fatalf("got %+v", fw)
	}
	if d, ok := tgerr.AsFloodWait(err); !ok || d != 37*time.Second {
		t.Fatalf("tgerr.AsFloodWait on classified error = %v %v", d, ok)
	}
}

func TestClassifyOther(t *testing.T) {
	plain := errors.New("connection reset")
	got := classify("channels.getParticipants", plain)
	if !errors.Is(got, plain) || got.Error() != "telegram channels.getParticipants: connection reset" {
		t.Fatalf("got %q", got)
	}
	unknown := classify("channels.getParticipants", tgerr.New(400, "CHANNEL_INVALID"))
	if rpc, ok := tgerr.As(unknown); !ok || rpc.Type != "CHANNEL_INVALID" {
		t.Fatalf("unknown RPC error not kept: %v", unknown)
	}
	if classify("x", got) != got {
		t.Fatal("classify is not idempotent")
	}
	if classify("x", nil) != nil {
		t.Fatal("nil error classified as non-nil")
	}
}

func TestPasswordNeededErrorIs(t *testing.T) {
	var err error = &PasswordNeededError{Hint: "pet", Session: Session("{}")}
	if !errors.Is(err, ErrPasswordNeeded) {
		t.Fatal("PasswordNeededError is not ErrPasswordNeeded")
	}
	if strings.Contains(fmt.Sprintf("%v %+v", err, err), "{}") {
		t.Fatal("session bytes leak into the error text")
	}
}
