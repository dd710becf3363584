package sim

import "strings"

// at follows a path of object keys through decoded JSON, taking the first element of arrays.
func at(v any, path ...string) any {
	for _, p := range path {
		if arr, ok := v.([]any); ok {
			if len(arr) == 0 {
				return nil
			}
			v = arr[0]
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = obj[p]
	}
	return v
}

func stringAt(v any, path ...string) string {
	s, _ := at(v, path...).(string)
	return s
}

// numberAt returns a JSON number at path, and whether there was one.
func numberAt(v any, path ...string) (float64, bool) {
	n, ok := at(v, path...).(float64)
	return n, ok
}

func list(v any, path ...string) []any {
	arr, _ := at(v, path...).([]any)
	return arr
}

func object(v any, path ...string) map[string]any {
	m, _ := at(v, path...).(map[string]any)
	return m
}

// ensureObject returns the object at key of m, creating it when missing.
func ensureObject(m map[string]any, key string) map[string]any {
	child, ok := m[key].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[key] = child
	}
	return child
}

// referenceID returns the id of a reference "Type/id" (or "Type/id/_history/n"), and "" when the
// reference is to another type.
func referenceID(ref, typ string) string {
	rest, ok := strings.CutPrefix(ref, typ+"/")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "/")
	return id
}

// containedByRef returns the contained resource a local reference "#id" points to.
func containedByRef(res resource, ref string) map[string]any {
	id, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil
	}
	for _, x := range list(res, "contained") {
		if c, _ := x.(map[string]any); c != nil && c["id"] == id {
			return c
		}
	}
	return nil
}

// identifierValue returns the value of the first identifier of system.
func identifierValue(res map[string]any, system string) string {
	for _, x := range list(res, "identifier") {
		if id, _ := x.(map[string]any); id != nil && id["system"] == system {
			s, _ := id["value"].(string)
			return s
		}
	}
	return ""
}

// extensionValue returns the extension of url on res, or nil.
func extension(res map[string]any, url string) map[string]any {
	for _, x := range list(res, "extension") {
		if e, _ := x.(map[string]any); e != nil && e["url"] == url {
			return e
		}
	}
	return nil
}

// setExtension replaces or adds the extension of url on res.
func setExtension(res map[string]any, ext map[string]any) {
	exts := list(res, "extension")
	for i, x := range exts {
		if e, _ := x.(map[string]any); e != nil && e["url"] == ext["url"] {
			exts[i] = ext
			return
		}
	}
	res["extension"] = append(exts, ext)
}

// removeExtension removes the extensions with url from res.
func removeExtension(res map[string]any, url string) {
	var kept []any
	for _, x := range list(res, "extension") {
		if e, _ := x.(map[string]any); e == nil || e["url"] != url {
			kept = append(kept, x)
		}
	}
	if len(kept) == 0 {
		delete(res, "extension")
		return
	}
	res["extension"] = kept
}

// deepCopy copies decoded JSON so that a stored version never changes under a reader.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	}
	return v
}
