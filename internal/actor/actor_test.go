package actor_test

import (
	"context"
	"errors"
	"testing"

	"github.com/telegramate/telegramate/internal/actor"
	"github.com/telegramate/telegramate/internal/apperr"
)

func TestRequire(t *testing.T) {
	for _, tc := range []struct {
		a    actor.Actor
		min  actor.Role
		pass bool
	}{
		{actor.Actor{Role: actor.Viewer}, actor.Viewer, true},
		{actor.Actor{Role: actor.Viewer}, actor.Operator, false},
		{actor.Actor{Role: actor.Operator}, actor.Operator, true},
		{actor.Actor{Role: actor.Operator}, actor.Admin, false},
		{actor.Actor{Role: actor.Admin}, actor.Operator, true},
		{actor.Actor{Role: actor.Admin}, actor.Owner, false},
		{actor.Actor{Role: actor.Owner}, actor.Owner, true},
		{actor.Actor{Role: actor.Owner, ReadOnly: true}, actor.Operator, false},
		{actor.Actor{Role: actor.Owner, ReadOnly: true}, actor.Viewer, true},
		{actor.Actor{Role: "boss"}, actor.Viewer, false},
	} {
		err := actor.Require(actor.With(context.Background(), tc.a), tc.min)
		if (err == nil) != tc.pass {
			t.Errorf("%+v needing %s: %v", tc.a, tc.min, err)
		}
		if err != nil {
			e, ok := apperr.As(err)
			if !ok || e.Status != 403 || e.Code != "forbidden" || e.Message == "" || !errors.Is(err, actor.Forbidden) {
				t.Errorf("%+v needing %s: %#v", tc.a, tc.min, err)
			}
		}
	}
	if err := actor.Require(context.Background(), actor.Owner); err != nil {
		t.Errorf("a background job was refused: %v", err)
	}
}
