package telegram

import (
	"context"
	"reflect"
	"strings"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
)

// Telegram lets people put U+0000 in names, titles and messages.
// PostgreSQL cannot store it in text (an extraction that met such a name
// failed and retried forever, and such a message never reached the
// inbox), and it is nothing a person reads: every string Telegram gives
// us, answers and pushed updates alike, is read without it, here, before
// any domain package sees it. What we send is cleaned too, so none is
// ever passed on.

// nulMiddleware strips U+0000 from every request before it leaves and
// from every answer as it arrives.
func nulMiddleware() telegram.Middleware {
	return telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
		return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
			StripNUL(input)
			err := next.Invoke(ctx, input, output)
			StripNUL(output)
			return err
		}
	})
}

// nulUpdates strips U+0000 from pushed updates before h sees them.
func nulUpdates(h telegram.UpdateHandler) telegram.UpdateHandler {
	if h == nil {
		return nil
	}
	return telegram.UpdateHandlerFunc(func(ctx context.Context, u tg.UpdatesClass) error {
		StripNUL(u)
		return h.Handle(ctx, u)
	})
}

// StripNUL removes U+0000 from every string v reaches through pointers,
// interfaces, structs, slices, arrays and maps (in place; v is a pointer
// or holds them).
func StripNUL(v any) {
	if v != nil {
		stripNUL(reflect.ValueOf(v), 0)
	}
}

// maxDepth bounds the walk: Telegram's objects nest a few levels deep,
// and nothing it sends is cyclic.
const maxDepth = 64

func stripNUL(v reflect.Value, depth int) {
	if depth > maxDepth {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			stripNUL(v.Elem(), depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				stripNUL(v.Field(i), depth+1)
			}
		}
	case reflect.Slice, reflect.Array:
		if t := v.Type().Elem().Kind(); t == reflect.Uint8 || t == reflect.Int || t == reflect.Int64 || t == reflect.Int32 || t == reflect.Bool {
			return // bytes (file references, keys) and numbers hold no text
		}
		for i := range v.Len() {
			stripNUL(v.Index(i), depth+1)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := v.MapIndex(k)
			if e.Kind() == reflect.String && strings.IndexByte(e.String(), 0) >= 0 {
				v.SetMapIndex(k, reflect.ValueOf(strings.ReplaceAll(e.String(), "\x00", "")).Convert(e.Type()))
			}
		}
	case reflect.String:
		if s := v.String(); strings.IndexByte(s, 0) >= 0 && v.CanSet() {
			v.SetString(strings.ReplaceAll(s, "\x00", ""))
		}
	}
}
