package api

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync"
)

// Empty lists are [] and empty objects {}, never null: WriteJSON answers a
// copy of the value in which every nil slice and nil map reachable through
// exported fields, pointers, slices, maps and interfaces is made empty. The
// value itself is never changed (it may be shared, as cached figures are),
// and types with their own JSON or text encoding are left to it.

var (
	jsonMarshaler = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textMarshaler = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
	holdsLists    sync.Map // reflect.Type -> bool
)

// mayHoldLists reports whether a value of type t can contain a slice or map
// that WriteJSON must make empty.
func mayHoldLists(t reflect.Type) bool {
	if v, ok := holdsLists.Load(t); ok {
		return v.(bool)
	}
	holdsLists.Store(t, false) // against recursion; corrected below
	r := computeHoldsLists(t)
	holdsLists.Store(t, r)
	return r
}

func computeHoldsLists(t reflect.Type) bool {
	if t.Implements(jsonMarshaler) || t.Implements(textMarshaler) || reflect.PointerTo(t).Implements(jsonMarshaler) {
		return false
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Map, reflect.Interface:
		return true
	case reflect.Pointer, reflect.Array:
		return mayHoldLists(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if f.IsExported() && f.Tag.Get("json") != "-" && mayHoldLists(f.Type) {
				return true
			}
		}
	}
	return false
}

// EmptyLists returns v with nil slices and maps made empty (a copy where
// anything had to change).
func EmptyLists(v any) any {
	if v == nil {
		return nil
	}
	rv := reflect.ValueOf(v)
	if !mayHoldLists(rv.Type()) {
		return v
	}
	return emptyLists(rv).Interface()
}

func emptyLists(v reflect.Value) reflect.Value {
	t := v.Type()
	if !mayHoldLists(t) {
		return v
	}
	switch t.Kind() {
	case reflect.Slice:
		if v.IsNil() {
			return reflect.MakeSlice(t, 0, 0)
		}
		if !mayHoldLists(t.Elem()) {
			return v
		}
		out := reflect.MakeSlice(t, v.Len(), v.Len())
		for i := range v.Len() {
			out.Index(i).Set(emptyLists(v.Index(i)))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return reflect.MakeMap(t)
		}
		if !mayHoldLists(t.Elem()) {
			return v
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		it := v.MapRange()
		for it.Next() {
			out.SetMapIndex(it.Key(), emptyLists(it.Value()))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(emptyLists(v.Elem()))
		return p
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(t).Elem()
		out.Set(emptyLists(v.Elem()))
		return out
	case reflect.Array:
		out := reflect.New(t).Elem()
		for i := range v.Len() {
			out.Index(i).Set(emptyLists(v.Index(i)))
		}
		return out
	case reflect.Struct:
		out := reflect.New(t).Elem()
		out.Set(v)
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" || !mayHoldLists(f.Type) {
				continue
			}
			out.Field(i).Set(emptyLists(v.Field(i)))
		}
		return out
	}
	return v
}
