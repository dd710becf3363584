package sim

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// resource is a FHIR resource as decoded JSON. The simulator keeps resources as generic JSON so
// that nothing the client sent is silently dropped by a typed model.
type resource = map[string]any

// store is the simulator's in-memory database: every version of every resource.
type store struct {
	mu      sync.RWMutex
	data    map[string]map[string][]resource // type → id → versions, oldest first
	deleted map[string]bool                  // "type/id" of deleted resources
}

func newStore() *store {
	return &store{data: map[string]map[string][]resource{}, deleted: map[string]bool{}}
}

// seed loads every *.json file of the given directories of each source as a resource; a later
// source's resource of the same type and id replaces an earlier one's.
func (s *store) seed(sources []fs.FS, dirs ...string) error {
	seeds := map[string]resource{} // type/id → the last source's resource
	var order []string
	for _, fsys := range sources {
		if fsys == nil {
			continue
		}
		for _, dir := range dirs {
			files, err := fs.Glob(fsys, dir+"/*.json")
			if err != nil {
				return err
			}
			for _, f := range files {
				raw, err := fs.ReadFile(fsys, f)
				if err != nil {
					return err
				}
				var r resource
				if err := json.Unmarshal(raw, &r); err != nil {
					return fmt.Errorf("fixture %s: %v", f, err)
				}
				typ, _ := r["resourceType"].(string)
				id, _ := r["id"].(string)
				if typ == "" || id == "" {
					return fmt.Errorf("fixture %s: needs resourceType and id", f)
				}
				k := typ + "/" + id
				if _, ok := seeds[k]; !ok {
					order = append(order, k)
				}
				seeds[k] = r
			}
		}
	}
	for _, k := range order {
		typ, id, _ := strings.Cut(k, "/")
		s.put(typ, id, seeds[k])
	}
	return nil
}

// put stores r as the next version of typ/id and returns that version number.
func (s *store) put(typ, id string, r resource) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	byID := s.data[typ]
	if byID == nil {
		byID = map[string][]resource{}
		s.data[typ] = byID
	}
	byID[id] = append(byID[id], r)
	delete(s.deleted, typ+"/"+id)
	return len(byID[id])
}

// remove deletes typ/id: reads and searches no longer find it, and its versions stay for vread
// (FHIR keeps a deleted resource's history). It reports whether there was a current version.
func (s *store) remove(typ, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.data[typ][id]) == 0 || s.deleted[typ+"/"+id] {
		return false
	}
	s.deleted[typ+"/"+id] = true
	return true
}

// gone reports whether typ/id was deleted.
func (s *store) gone(typ, id string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.deleted[typ+"/"+id]
}

func setMeta(r resource, version int, now time.Time) {
	meta, _ := r["meta"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		r["meta"] = meta
	}
	meta["versionId"] = strconv.Itoa(version)
	meta["lastUpdated"] = now.UTC().Format(time.RFC3339)
}

// version returns the number of the current version of typ/id, 0 when there is none.
func (s *store) version(typ, id string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.data[typ][id])
}

// readVersion returns version v (from 1) of typ/id.
func (s *store) readVersion(typ, id string, v int) (resource, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	versions := s.data[typ][id]
	if v < 1 || v > len(versions) {
		return nil, false
	}
	return versions[v-1], true
}

// read returns the current version of typ/id.
func (s *store) read(typ, id string) (resource, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	versions := s.data[typ][id]
	if len(versions) == 0 || s.deleted[typ+"/"+id] {
		return nil, false
	}
	return versions[len(versions)-1], true
}

// list returns the current version of every resource of typ that match keeps, ordered by id so
// that searches are deterministic. match runs outside the store's lock, so it may read the store.
func (s *store) list(typ string, match func(resource) bool) []resource {
	s.mu.RLock()
	ids := make([]string, 0, len(s.data[typ]))
	for id := range s.data[typ] {
		if !s.deleted[typ+"/"+id] {
			ids = append(ids, id)
		}
	}
	current := make(map[string]resource, len(ids))
	for _, id := range ids {
		versions := s.data[typ][id]
		current[id] = versions[len(versions)-1]
	}
	s.mu.RUnlock()
	sort.Strings(ids)
	var out []resource
	for _, id := range ids {
		if r := current[id]; match(r) {
			out = append(out, r)
		}
	}
	return out
}
