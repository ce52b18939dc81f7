package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// strictUnmarshal decodes JSON into v like encoding/json, but an unknown
// field or a value of the wrong type is an error that names the field by its
// path ("users[2].dc"), which json.Decoder.DisallowUnknownFields does not.
func strictUnmarshal(data []byte, v any) error {
	return decodeAt("", data, reflect.ValueOf(v).Elem())
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice:
		return "a list"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "an integer"
	case reflect.Pointer:
		return describe(t.Elem())
	}
	return t.String()
}

func shortJSON(raw []byte) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return s
}

func decodeAt(path string, raw json.RawMessage, v reflect.Value) error {
	where := path
	if where == "" {
		where = "world"
	}
	isNull := bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
	switch v.Kind() {
	case reflect.Struct:
		if isNull {
			return nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("%s: %s is not %s", where, shortJSON(raw), describe(v.Type()))
		}
		fields := map[string]int{}
		t := v.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = i
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			i, ok := fields[k]
			if !ok {
				known := make([]string, 0, len(fields))
				for n := range fields {
					known = append(known, n)
				}
				slices.Sort(known)
				return fmt.Errorf("%s: unknown field (known: %s)", joinPath(path, k), strings.Join(known, ", "))
			}
			if err := decodeAt(joinPath(path, k), m[k], v.Field(i)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if isNull {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			// Bytes travel as base64, as encoding/json writes them.
			var b []byte
			if err := json.Unmarshal(raw, &b); err != nil {
				return fmt.Errorf("%s: %s is not base64 (standard alphabet, with padding)", where, shortJSON(raw))
			}
			v.SetBytes(b)
			return nil
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Errorf("%s: %s is not a list", where, shortJSON(raw))
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			if err := decodeAt(fmt.Sprintf("%s[%d]", path, i), item, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case reflect.Pointer:
		if isNull {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := decodeAt(path, raw, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	}
	if err := json.Unmarshal(raw, v.Addr().Interface()); err != nil {
		return fmt.Errorf("%s: %s is not %s", where, shortJSON(raw), describe(v.Type()))
	}
	return nil
}
