package driver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// MaxAttachment bounds a file an operator attaches (a screenshot, a printout).
const MaxAttachment = 20 << 20

// Attachment is a file an operator attached to an answer: konform copies it into the evidence.
type Attachment struct {
	// Path is where the operator's file is; SHA256 its digest when it was attached.
	Path, SHA256 string
	Size         int64
}

// Ask reads one line the operator types after a question; it returns when ctx ends.
type Ask func(ctx context.Context, question string) (string, error)

// Manual asks an operator at the terminal to carry out each action in the system under test, and
// records the answers: done or not, the status and id the system showed, a comment, and a file.
type Manual struct {
	external
	ask      Ask
	out      io.Writer
	en       bool
	operator string
	now      func() time.Time
}

// NewManual makes the manual driver: questions go to out, answers come from ask; lang is sv or
// en; operator is who answers, for the evidence.
func NewManual(ask Ask, out io.Writer, lang, operator string, now func() time.Time, ctx Context) *Manual {
	return &Manual{external: external{ctx: ctx}, ask: ask, out: out, en: lang == "en", operator: operator, now: now}
}

// say picks the Swedish or English text.
func (m *Manual) say(sv, en string) string {
	if m.en {
		return en
	}
	return sv
}

// Act shows the operator the action and its parameters, and asks what happened.
func (m *Manual) Act(ctx context.Context, a Action) (Result, error) {
	req, err := m.request(a)
	if err != nil {
		return Result{}, err
	}
	spec, _ := Lookup(req.Action)
	var b strings.Builder
	fmt.Fprintf(&b, "\n── %s %s: %s ──\n", m.say("Testfall", "Case"), req.Case, req.Action)
	fmt.Fprintf(&b, "%s\n", m.say(spec.Instruktion, spec.Instruction))
	names := make([]string, 0, len(req.Params))
	for k := range req.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(&b, "  %s: %s\n", k, req.Params[k])
	}
	fmt.Fprintf(&b, "  %s: %s\n", m.say("som", "as"), spec.Role)
	fmt.Fprint(m.out, b.String())
	asked := m.now()
	log := &strings.Builder{}
	fmt.Fprintf(log, "# %s (manual driver)\n# operator: %s\n# asked: %s\n\n%s\n", req.Action, m.operator, asked.UTC().Format(time.RFC3339), strings.TrimSpace(b.String()))

	done, err := m.yesNo(ctx, log, m.say("Utfört? [j]a / [n]ej, gick inte: ", "Done? [y]es / [n]o, it did not work: "))
	if err != nil {
		return Result{Log: log.String()}, err
	}
	res := Result{Values: map[string]string{}}
	if done {
		for {
			s, err := m.line(ctx, log, m.say("Status från NLL som systemet visade (till exempel 201; tomt om ingen): ", "Status from NLL the system showed (such as 201; empty for none): "))
			if err != nil {
				return Result{Log: log.String()}, err
			}
			if s == "" {
				break
			}
			if n, err := strconv.Atoi(s); err == nil && n >= 100 && n <= 599 {
				res.Status = n
				break
			}
			fmt.Fprintln(m.out, m.say("En HTTP-status är ett tal från 100 till 599.", "An HTTP status is a number from 100 to 599."))
		}
		id, err := m.line(ctx, log, m.say("Id på det som skapades, om systemet visar det (tomt om inget): ", "Id of what was created, if the system shows it (empty for none): "))
		if err != nil {
			return Result{Log: log.String()}, err
		}
		if id != "" {
			res.Values["id"] = id
		}
	}
	comment, err := m.line(ctx, log, m.say("Kommentar (tomt för ingen): ", "Comment (empty for none): "))
	if err != nil {
		return Result{Log: log.String()}, err
	}
	res.Shown = comment
	att, err := m.attachment(ctx, log)
	if err != nil {
		return Result{Log: log.String()}, err
	}
	if att != nil {
		res.Attachments = []Attachment{*att}
	}
	fmt.Fprintf(log, "\n# answered: %s\n", m.now().UTC().Format(time.RFC3339))
	res.Log = log.String()
	if !done {
		return res, fmt.Errorf("the operator %s answered that %q could not be done: %s", m.operator, req.Action, or(comment, "no comment"))
	}
	return res, nil
}

// Confirm asks the operator a yes/no question about what the system shows; no is a failed check
// with the operator's comment.
func (m *Manual) Confirm(ctx context.Context, claim string) (bool, Result, error) {
	m.mu.Lock()
	caseID := m.caseID
	m.mu.Unlock()
	fmt.Fprintf(m.out, "\n── %s %s ──\n%s %s\n", m.say("Testfall", "Case"), caseID, m.say("Stämmer det att", "Is it true that"), claim)
	log := &strings.Builder{}
	fmt.Fprintf(log, "# confirmation (manual driver)\n# operator: %s\n# asked: %s\n\n%s\n", m.operator, m.now().UTC().Format(time.RFC3339), claim)
	yes, err := m.yesNo(ctx, log, m.say("[j]a / [n]ej: ", "[y]es / [n]o: "))
	if err != nil {
		return false, Result{Log: log.String()}, err
	}
	comment, err := m.line(ctx, log, m.say("Kommentar (tomt för ingen): ", "Comment (empty for none): "))
	if err != nil {
		return false, Result{Log: log.String()}, err
	}
	res := Result{Shown: comment}
	att, err := m.attachment(ctx, log)
	if err != nil {
		return false, Result{Log: log.String()}, err
	}
	if att != nil {
		res.Attachments = []Attachment{*att}
	}
	fmt.Fprintf(log, "\n# answered: %s\n", m.now().UTC().Format(time.RFC3339))
	res.Log = log.String()
	return yes, res, nil
}

// line asks one question and logs the answer.
func (m *Manual) line(ctx context.Context, log *strings.Builder, question string) (string, error) {
	answer, err := m.ask(ctx, question)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("no answer from the operator: %v", err)
	}
	answer = strings.TrimSpace(answer)
	fmt.Fprintf(log, "%s%s\n", question, answer)
	return answer, nil
}

// yesNo asks until the answer is yes or no.
func (m *Manual) yesNo(ctx context.Context, log *strings.Builder, question string) (bool, error) {
	for {
		s, err := m.line(ctx, log, question)
		if err != nil {
			return false, err
		}
		switch strings.ToLower(s) {
		case "j", "ja", "y", "yes", "u", "utfört":
			return true, nil
		case "n", "nej", "no", "gick inte":
			return false, nil
		}
		fmt.Fprintln(m.out, m.say("Svara j eller n.", "Answer y or n."))
	}
}

// attachment asks for a file until the answer is empty or a regular file of at most
// MaxAttachment bytes, and hashes it.
func (m *Manual) attachment(ctx context.Context, log *strings.Builder) (*Attachment, error) {
	for {
		path, err := m.line(ctx, log, m.say("Fil att bifoga, till exempel en skärmbild (sökväg; tomt för ingen): ", "File to attach, such as a screenshot (path; empty for none): "))
		if err != nil || path == "" {
			return nil, err
		}
		att, problem := hashFile(path)
		if problem == "" {
			fmt.Fprintf(log, "# attached: %s (%d bytes, sha256 %s)\n", path, att.Size, att.SHA256)
			return att, nil
		}
		fmt.Fprintln(m.out, problem)
		fmt.Fprintf(log, "# not attached: %s\n", problem)
	}
}

// hashFile reads a file the operator named: a regular file within MaxAttachment.
func hashFile(path string) (*Attachment, string) {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, path + ": no such file; give the path again"
	case err != nil:
		return nil, path + ": " + err.Error()
	case !info.Mode().IsRegular():
		return nil, path + ": not a regular file"
	case info.Size() > MaxAttachment:
		return nil, fmt.Sprintf("%s: %d MB, over the limit of %d MB; attach a smaller file", path, info.Size()>>20, MaxAttachment>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, path + ": " + err.Error()
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, MaxAttachment+1))
	if err != nil || n > MaxAttachment {
		return nil, path + ": cannot be read whole"
	}
	return &Attachment{Path: path, SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}, ""
}
