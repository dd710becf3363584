package storage

// konform patch: the storage keeps its tables in maps under one lock instead of go-memdb, whose
// copy-on-write radix trees cost tens of microseconds and a dozen allocations per insert, and
// every step and scenario inserts. Lookups that memdb answered in index order sort the same way
// (by the index's key, then by the table's id), so every formatter sees what it saw before.

import (
	"fmt"
	"sort"
	"sync"

	messages "github.com/cucumber/messages/go/v21"

	"github.com/cucumber/godog/internal/models"
)

// Storage is a thread safe in-mem storage
type Storage struct {
	mu            sync.RWMutex
	features      map[string]*models.Feature         // by URI
	pickles       map[string]*messages.Pickle        // by id
	picklesByURI  map[string][]*messages.Pickle      // in order of insertion
	pickleSteps   map[string]*messages.PickleStep    // by id
	pickleResults map[string]models.PickleResult     // by pickle id
	stepResults   map[string]models.PickleStepResult // by pickle step id
	stepsOfPickle map[string][]string                // pickle id → ids of its step results
	matches       map[string]*models.StepDefinition  // by step id

	testRunStarted     models.TestRunStarted
	testRunStartedLock *sync.Mutex
}

// NewStorage will create an in-mem storage that
// is used across concurrent runners and formatters
func NewStorage() *Storage {
	return &Storage{
		features:           map[string]*models.Feature{},
		pickles:            map[string]*messages.Pickle{},
		picklesByURI:       map[string][]*messages.Pickle{},
		pickleSteps:        map[string]*messages.PickleStep{},
		pickleResults:      map[string]models.PickleResult{},
		stepResults:        map[string]models.PickleStepResult{},
		stepsOfPickle:      map[string][]string{},
		matches:            map[string]*models.StepDefinition{},
		testRunStartedLock: new(sync.Mutex),
	}
}

// MustInsertPickle will insert a pickle and it's steps,
// will panic on error.
func (s *Storage) MustInsertPickle(p *messages.Pickle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.pickles[p.Id]; ok { // a pickle inserted again replaces the one before
		byURI := s.picklesByURI[prev.Uri]
		for i, q := range byURI {
			if q.Id == p.Id {
				s.picklesByURI[prev.Uri] = append(byURI[:i:i], byURI[i+1:]...)
				break
			}
		}
	}
	s.picklesByURI[p.Uri] = append(s.picklesByURI[p.Uri], p)
	s.pickles[p.Id] = p
	for _, step := range p.Steps {
		s.pickleSteps[step.Id] = step
	}
}

// MustGetPickle will retrieve a pickle by id and panic on error.
func (s *Storage) MustGetPickle(id string) *messages.Pickle {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.pickles[id]
	if p == nil {
		notFound("pickle", id)
	}
	return p
}

// MustGetPickles will retrieve pickles by URI and panic on error.
func (s *Storage) MustGetPickles(uri string) (ps []*messages.Pickle) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ps = append(ps, s.picklesByURI[uri]...)
	sort.Slice(ps, func(i, j int) bool { return ps[i].Id < ps[j].Id })
	return ps
}

// MustGetPickleStep will retrieve a pickle step and panic on error.
func (s *Storage) MustGetPickleStep(id string) *messages.PickleStep {
	s.mu.RLock()
	defer s.mu.RUnlock()
	step := s.pickleSteps[id]
	if step == nil {
		notFound("pickle_step", id)
	}
	return step
}

// MustInsertTestRunStarted will set the test run started event and panic on error.
func (s *Storage) MustInsertTestRunStarted(trs models.TestRunStarted) {
	s.testRunStartedLock.Lock()
	defer s.testRunStartedLock.Unlock()

	s.testRunStarted = trs
}

// MustGetTestRunStarted will retrieve the test run started event and panic on error.
func (s *Storage) MustGetTestRunStarted() models.TestRunStarted {
	s.testRunStartedLock.Lock()
	defer s.testRunStartedLock.Unlock()

	return s.testRunStarted
}

// MustInsertPickleResult will instert a pickle result and panic on error.
func (s *Storage) MustInsertPickleResult(pr models.PickleResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pickleResults[pr.PickleID] = pr
}

// MustInsertPickleStepResult will insert a pickle step result and panic on error.
func (s *Storage) MustInsertPickleStepResult(psr models.PickleStepResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.stepResults[psr.PickleStepID]
	if exists && old.PickleID != psr.PickleID { // the step moved to another pickle
		ids := s.stepsOfPickle[old.PickleID]
		for i, id := range ids {
			if id == psr.PickleStepID {
				s.stepsOfPickle[old.PickleID] = append(ids[:i:i], ids[i+1:]...)
				break
			}
		}
		exists = false
	}
	if !exists {
		s.stepsOfPickle[psr.PickleID] = append(s.stepsOfPickle[psr.PickleID], psr.PickleStepID)
	}
	s.stepResults[psr.PickleStepID] = psr
}

// MustGetPickleResult will retrieve a pickle result by id and panic on error.
func (s *Storage) MustGetPickleResult(id string) models.PickleResult {
	s.mu.RLock()
	defer s.mu.RUnlock()
	pr, ok := s.pickleResults[id]
	if !ok {
		notFound("pickle_result", id)
	}
	return pr
}

// MustGetPickleResults will retrieve all pickle results and panic on error.
func (s *Storage) MustGetPickleResults() (prs []models.PickleResult) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, pr := range s.pickleResults {
		prs = append(prs, pr)
	}
	sort.Slice(prs, func(i, j int) bool { return prs[i].PickleID < prs[j].PickleID })
	return prs
}

// MustGetPickleStepResult will retrieve a pickle strep result by id and panic on error.
func (s *Storage) MustGetPickleStepResult(id string) models.PickleStepResult {
	s.mu.RLock()
	defer s.mu.RUnlock()
	psr, ok := s.stepResults[id]
	if !ok {
		notFound("pickle_step_result", id)
	}
	return psr
}

// stepResultsOf is the step results of a pickle in order of their ids, as memdb's index kept
// them. The caller holds s.mu.
func (s *Storage) stepResultsOf(pickleID string) []models.PickleStepResult {
	ids := s.stepsOfPickle[pickleID]
	psrs := make([]models.PickleStepResult, 0, len(ids))
	for _, id := range ids {
		psrs = append(psrs, s.stepResults[id])
	}
	sortStepResults(psrs)
	return psrs
}

func sortStepResults(psrs []models.PickleStepResult) {
	sort.Slice(psrs, func(i, j int) bool { return psrs[i].PickleStepID < psrs[j].PickleStepID })
}

// MustGetPickleStepResultsByPickleID will retrieve pickle step results by pickle id and panic on error.
func (s *Storage) MustGetPickleStepResultsByPickleID(pickleID string) (psrs []models.PickleStepResult) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.stepsOfPickle[pickleID]) == 0 {
		return nil
	}
	return s.stepResultsOf(pickleID)
}

// MustGetPickleStepResultsByPickleIDUntilStep will retrieve pickle step results by pickle id
// from 0..stepID for that pickle.
func (s *Storage) MustGetPickleStepResultsByPickleIDUntilStep(pickleID string, untilStepID string) (psrs []models.PickleStepResult) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, psr := range s.stepResultsOf(pickleID) {
		psrs = append(psrs, psr)
		if psr.PickleStepID == untilStepID {
			break
		}
	}
	return psrs
}

// MustGetPickleStepResultsByStatus will retrieve pickle strep results by status and panic on error.
func (s *Storage) MustGetPickleStepResultsByStatus(status models.StepResultStatus) (psrs []models.PickleStepResult) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, psr := range s.stepResults {
		if psr.Status == status {
			psrs = append(psrs, psr)
		}
	}
	sortStepResults(psrs)
	return psrs
}

// MustInsertFeature will insert a feature and panic on error.
func (s *Storage) MustInsertFeature(f *models.Feature) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.features[f.Uri] = f
}

// MustGetFeature will retrieve a feature by URI and panic on error.
func (s *Storage) MustGetFeature(uri string) *models.Feature {
	s.mu.RLock()
	defer s.mu.RUnlock()
	f := s.features[uri]
	if f == nil {
		notFound("feature", uri)
	}
	return f
}

// MustGetFeatures will retrieve all features by and panic on error.
func (s *Storage) MustGetFeatures() (fs []*models.Feature) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, f := range s.features {
		fs = append(fs, f)
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].Uri < fs[j].Uri })
	return fs
}

// MustInsertStepDefintionMatch will insert the matched StepDefintion for the step ID and panic on error.
func (s *Storage) MustInsertStepDefintionMatch(stepID string, match *models.StepDefinition) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.matches[stepID] = match
}

// MustGetStepDefintionMatch will retrieve the matched StepDefintion for the step ID and panic on error.
func (s *Storage) MustGetStepDefintionMatch(stepID string) *models.StepDefinition {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, ok := s.matches[stepID]
	if !ok {
		notFound("step_defintion_match", stepID)
	}
	return m
}

// notFound panics as memdb's lookups did for a missing row.
func notFound(table, id string) {
	panic(fmt.Errorf("couldn't find index: %q in table: %q with args: %+v", "id", table, []interface{}{id}))
}
