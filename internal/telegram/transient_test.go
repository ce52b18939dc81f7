package telegram

import (
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/gotd/td/pool"
	"github.com/gotd/td/rpc"
	"github.com/gotd/td/tgerr"
)

func TestIsTransient(t *testing.T) {
	// A real refused dial: a port that was listening and is closed now.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, refused := net.Dial("tcp", addr)
	if refused == nil {
		t.Fatal("dial to a closed port succeeded")
	}

	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"INTERNAL", classify("messages.sendMessage", tgerr.New(500, "INTERNAL")), true},
		{"unknown 5xx", classify("channels.getParticipants", tgerr.New(503, "SOMETHING_NEW")), true},
		{"negative 500", classify("channels.getParticipants", tgerr.New(-500, "No workers running")), true},
		{"Timeout -503", classify("messages.getHistory", tgerr.New(-503, "Timeout")), true},
		{"RPC_CALL_FAIL 400", classify("messages.getHistory", tgerr.New(400, "RPC_CALL_FAIL")), true},
		{"unclassified INTERNAL", fmt.Errorf("rpcDoRequest: %w", tgerr.New(500, "INTERNAL")), true},
		{"engine closed", classify("messages.sendMessage", fmt.Errorf("invoke: %w", rpc.ErrEngineClosed)), true},
		{"retry limit", classify("messages.sendMessage", &rpc.RetryLimitReachedErr{Retries: 5}), true},
		{"connection dead", classify("messages.sendMessage", pool.ErrConnDead), true},
		{"EOF", classify("channels.getParticipants", fmt.Errorf("read: %w", io.EOF)), true},
		{"refused", fmt.Errorf("telegram: %w: %w", ErrUnavailable, refused), true},

		{"FLOOD_WAIT", classify("messages.sendMessage", tgerr.New(420, "FLOOD_WAIT_30")), false},
		{"PEER_FLOOD", classify("messages.sendMessage", tgerr.New(400, "PEER_FLOOD")), false},
		{"revoked", classify("messages.sendMessage", tgerr.New(401, "AUTH_KEY_UNREGISTERED")), false},
		{"PEER_FLOOD with EOF", errors.Join(classify("messages.sendMessage", tgerr.New(400, "PEER_FLOOD")), io.EOF), false},
		{"recipient", classify("messages.sendMessage", tgerr.New(403, "USER_PRIVACY_RESTRICTED")), false},
		{"bad request", classify("channels.getParticipants", tgerr.New(400, "CHANNEL_INVALID")), false},
		{"configuration", fmt.Errorf("telegram: the session is on DC 9: %w", ErrUnavailable), false},
		{"plain", errors.New("template broken"), false},
		{"nil", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := IsTransient(c.err); got != c.want {
				t.Errorf("IsTransient(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}
