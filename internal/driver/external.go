package driver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
)

// MaxOutput bounds what konform keeps of a command's stdout or stderr, or of a hook's answer.
const MaxOutput = 1 << 20

// Request is what an external driver hands the supplier's system for one action: as JSON on the
// command's stdin, or as the body of the POST to the test hook.
type Request struct {
	// Action is the catalogue name, such as "skapa förskrivning"; Params its parameters.
	Action string            `json:"action"`
	Params map[string]string `json:"params"`
	// Role is the user who acts: förskrivare or farmaceut.
	Role string `json:"role"`
	// RunID is konform's run; Case and Scenario the test case that asks.
	RunID    string `json:"run_id"`
	Case     string `json:"case,omitempty"`
	Scenario string `json:"scenario,omitempty"`
	// Session changes when a new scenario starts: the system forgets the open patient, the open
	// prescription and its queue when it sees a new one.
	Session string `json:"session"`
	// Gateway is the NLL base URL the system must call, konform's gateway.
	Gateway string `json:"gateway"`
	// User holds the headers of the role's test user (Authorization, X-Org-Info) when NLL is
	// konform's simulator, whose users exist only during the run; against EXT it is empty and
	// the system uses its own.
	User map[string]string `json:"user,omitempty"`
	// TestData is the run's test data, such as the test article the environment knows
	// (article.nplpackid, article.name): what the system's user would pick.
	TestData map[string]string `json:"test_data,omitempty"`
}

// Answer is what the system reports back: stdout of the command, or the hook's 2xx body. An
// empty answer is an action that was done with nothing to report.
type Answer struct {
	// Status is the HTTP status of NLL's answer that the system showed its user, 0 when none.
	Status int `json:"status"`
	// Shown is the message the system showed its user.
	Shown string `json:"shown"`
	// Values are what the action produced, such as "id" of a created prescription.
	Values map[string]string `json:"values"`
}

// Context is what an external driver knows of the run, beyond the action.
type Context struct {
	RunID   string
	Gateway string
	// Users gives the headers of a role's test user; nil or empty against EXT.
	Users func(role string) map[string]string
	// Env is added to the command's environment (KONFORM_CA, KONFORM_CLIENT_CERT, …).
	Env map[string]string
	// TestData is the run's test data (the pack's test_data with the environment's values): the
	// test article the system should prescribe, say.
	TestData map[string]string
}

// external is what the command and hook drivers share: the session and the request.
type external struct {
	ctx Context

	mu       sync.Mutex
	session  int
	scenario string
	caseID   string
}

// Reset starts a new session.
func (e *external) Reset() {
	e.mu.Lock()
	e.session++
	e.mu.Unlock()
}

// Scenario names the case that asks, for the requests that follow.
func (e *external) Scenario(caseID, name string) {
	e.mu.Lock()
	e.caseID, e.scenario = caseID, name
	e.mu.Unlock()
}

func (e *external) request(a Action) (Request, error) {
	a, err := Check(a)
	if err != nil {
		return Request{}, err
	}
	spec, _ := Lookup(a.Name)
	e.mu.Lock()
	r := Request{Action: a.Name, Params: a.Params, Role: spec.Role, RunID: e.ctx.RunID, Case: e.caseID, Scenario: e.scenario,
		Session: e.ctx.RunID + "-" + strconv.Itoa(e.session), Gateway: e.ctx.Gateway, TestData: e.ctx.TestData}
	e.mu.Unlock()
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	if e.ctx.Users != nil {
		r.User = e.ctx.Users(spec.Role)
	}
	return r, nil
}

// result reads an answer: a JSON object as Answer, else the text as what the system showed. A
// JSON object that is not an Answer (a status in quotes, a number among the values) is an
// error: read as text, it would make every check of the action fail for the wrong reason.
func result(out []byte) (Result, error) {
	var a Answer
	trimmed := bytes.TrimSpace(out)
	if i := bytes.LastIndexByte(trimmed, '\n'); i >= 0 && !json.Valid(trimmed) {
		// Log lines may come first: a last line that is a JSON object is the answer.
		if last := bytes.TrimSpace(trimmed[i+1:]); len(last) > 0 && last[0] == '{' && json.Valid(last) {
			trimmed = last
		}
	}
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) {
		if err := json.Unmarshal(trimmed, &a); err != nil {
			return Result{Shown: tail(string(trimmed), 500)}, fmt.Errorf("the answer is JSON but not in the driver's form (%v): status is a number, shown a string, values strings (docs/sut.md)", err)
		}
		return Result{Status: a.Status, Shown: a.Shown, Values: a.Values}, nil
	}
	return Result{Shown: tail(string(trimmed), 500)}, nil
}

// placeholder is {{name}} in a command's argv.
var placeholder = regexp.MustCompile(`\{\{\s*([^{}\s]+)\s*\}\}`)

// argvNames are the placeholders every action fills; a parameter's name fills too.
var argvNames = map[string]bool{"action": true, "patient.pnr": true, "template": true, "run.id": true, "session": true, "case": true, "gateway": true}

// CheckArgv refuses an argv konform could not run: empty, or a placeholder that is neither a
// run value nor a parameter of the catalogue.
func CheckArgv(argv []string) error {
	if len(argv) == 0 || strings.TrimSpace(argv[0]) == "" {
		return errors.New("command needs a program first, such as [./sut.sh, \"{{action}}\"]")
	}
	params := map[string]bool{}
	for _, s := range Catalogue {
		for _, p := range s.Params {
			params[p.Name] = true
		}
	}
	for _, arg := range argv {
		for _, m := range placeholder.FindAllStringSubmatch(arg, -1) {
			if !argvNames[m[1]] && !params[m[1]] {
				return fmt.Errorf("command: unknown placeholder {{%s}}; use {{action}}, {{patient.pnr}}, {{template}}, {{run.id}}, {{session}}, {{case}}, {{gateway}} or a parameter such as {{förskrivning}}", m[1])
			}
		}
	}
	return nil
}

// Command runs a program of the supplier's for each action. The program is executed directly,
// never through a shell.
type Command struct {
	external
	argv []string
	dir  string
}

// NewCommand makes a command driver; dir is the folder the program runs in ("" for konform's).
func NewCommand(argv []string, dir string, ctx Context) (*Command, error) {
	if err := CheckArgv(argv); err != nil {
		return nil, err
	}
	return &Command{external: external{ctx: ctx}, argv: argv, dir: dir}, nil
}

// Act runs the program: the argv with its placeholders filled, the request as JSON on stdin and
// in KONFORM_* variables. Exit 0 is done, with stdout as the answer; anything else is an error
// naming the command, its exit code and the end of its stderr. Result.Log holds both outputs.
func (c *Command) Act(ctx context.Context, a Action) (Result, error) {
	req, err := c.request(a)
	if err != nil {
		return Result{}, err
	}
	body, _ := json.Marshal(req)
	argv := make([]string, len(c.argv))
	for i, arg := range c.argv {
		argv[i] = placeholder.ReplaceAllStringFunc(arg, func(m string) string {
			return fill(placeholder.FindStringSubmatch(m)[1], req)
		})
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = c.dir
	cmd.Stdin = bytes.NewReader(body)
	cmd.Env = append(inherited(), environment(req, c.ctx.Env)...)
	stdout, stderr := &boundedBuffer{max: MaxOutput}, &boundedBuffer{max: MaxOutput}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 2 * time.Second // a child that keeps the pipes open does not hold the run
	KillGroup(cmd)
	started := time.Now()
	err = cmd.Run()
	quoted := make([]string, len(argv))
	for i, arg := range argv {
		quoted[i] = arg
		if arg == "" || strings.ContainsAny(arg, " \t\n'\"\\") {
			quoted[i] = strconv.Quote(arg)
		}
	}
	log := fmt.Sprintf("# %s\n# command: %s\n# %s, %d ms\n\n## stdin\n%s\n\n## stdout\n%s\n## stderr\n%s", req.Action, strings.Join(quoted, " "),
		exitText(cmd, err), time.Since(started).Milliseconds(), body, stdout.String(), stderr.String())
	res, form := result(stdout.Bytes())
	res.Log = log
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return res, ctx.Err()
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist):
		return res, fmt.Errorf("the command %s was not found; check command: in the sut: section", argv[0])
	case errors.Is(err, os.ErrPermission):
		return res, fmt.Errorf("the command %s is not executable (chmod +x)", argv[0])
	case errors.Is(err, exec.ErrWaitDelay):
		// The program exited, but a process it started still holds its stdout or stderr, so
		// its answer may not be whole.
		return res, fmt.Errorf("the command %s exited %d, but a process it started kept its stdout or stderr open %v after; start such a process with its output redirected (> file 2>&1), or wait for it before exiting",
			argv[0], cmd.ProcessState.ExitCode(), cmd.WaitDelay)
	case errors.As(err, &exit):
		how := fmt.Sprintf("exited %d", exit.ExitCode())
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			how = fmt.Sprintf("was killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
		}
		why := tail(strings.TrimSpace(stderr.String()), 300)
		if why == "" {
			why = "no output on stderr"
			if out := tail(strings.TrimSpace(stdout.String()), 300); out != "" {
				why += "; stdout: " + out
			}
		}
		return res, fmt.Errorf("the command %s %s: %s", argv[0], how, why)
	case err != nil:
		return res, fmt.Errorf("the command %s: %v", argv[0], err)
	case stdout.dropped > 0: // the answer comes last, and konform kept only the first MaxOutput
		return res, fmt.Errorf("the command %s printed more than %d MiB on stdout, and its answer comes last; print log lines on stderr", argv[0], MaxOutput>>20)
	case form != nil:
		return res, fmt.Errorf("the command %s: %v", argv[0], form)
	}
	return res, nil
}

func exitText(cmd *exec.Cmd, err error) string {
	if cmd.ProcessState == nil {
		return "did not start: " + err.Error()
	}
	return "exit " + strconv.Itoa(cmd.ProcessState.ExitCode())
}

// inherited is konform's environment for a command, without konform's own KONFORM_* variables:
// KONFORM_CERT_PASSWORD unlocks the supplier's certificate and is not the system's to see.
func inherited() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KONFORM_") {
			env = append(env, kv)
		}
	}
	return env
}

// fill is the value of a placeholder.
func fill(name string, r Request) string {
	switch name {
	case "action":
		return r.Action
	case "patient.pnr":
		return r.Params["patient"]
	case "template":
		return r.Params["mall"]
	case "run.id":
		return r.RunID
	case "session":
		return r.Session
	case "case":
		return r.Case
	case "gateway":
		return r.Gateway
	}
	return r.Params[name]
}

// environment is the request as KONFORM_* variables: KONFORM_ACTION, KONFORM_ROLE,
// KONFORM_RUN_ID, KONFORM_CASE, KONFORM_SESSION, KONFORM_GATEWAY, KONFORM_PARAM_<NAME> (in
// ASCII capitals: förskrivning is KONFORM_PARAM_FORSKRIVNING), KONFORM_USER_<HEADER>,
// KONFORM_TESTDATA_<KEY> (article.nplpackid is KONFORM_TESTDATA_ARTICLE_NPLPACKID), and the
// driver's own.
func environment(r Request, extra map[string]string) []string {
	env := []string{"KONFORM_ACTION=" + r.Action, "KONFORM_ROLE=" + r.Role, "KONFORM_RUN_ID=" + r.RunID, "KONFORM_CASE=" + r.Case,
		"KONFORM_SESSION=" + r.Session, "KONFORM_GATEWAY=" + r.Gateway}
	for _, k := range sortedKeys(r.Params) {
		env = append(env, "KONFORM_PARAM_"+envName(k)+"="+r.Params[k])
	}
	for _, k := range sortedKeys(r.User) {
		env = append(env, "KONFORM_USER_"+envName(k)+"="+r.User[k])
	}
	for _, k := range sortedKeys(r.TestData) {
		env = append(env, "KONFORM_TESTDATA_"+envName(k)+"="+r.TestData[k])
	}
	for _, k := range sortedKeys(extra) {
		env = append(env, k+"="+extra[k])
	}
	return env
}

// envName turns a name into an environment variable's: ASCII capitals, digits and _.
func envName(s string) string {
	s = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "Å", "A", "Ä", "A", "Ö", "O", "é", "e").Replace(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			return unicode.ToUpper(r)
		}
		return '_'
	}, s)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Hook posts each action to the supplier's test hook over HTTP(S).
type Hook struct {
	external
	url    string
	token  string
	client *http.Client
}

// NewHook makes an HTTP driver posting to url with client (its TLS settings: the CA of the
// hook's certificate and, optionally, konform's client identity); token, when set, is sent as
// a bearer token.
func NewHook(url, token string, client *http.Client, ctx Context) *Hook {
	return &Hook{external: external{ctx: ctx}, url: url, token: token, client: client}
}

// Act posts the request as JSON; a 2xx answer is done, with its body as the answer. Anything
// else, or no answer, is an error naming the hook and the status.
func (h *Hook) Act(ctx context.Context, a Action) (Result, error) {
	req, err := h.request(a)
	if err != nil {
		return Result{}, err
	}
	body, _ := json.Marshal(req)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	hr.Header.Set("Content-Type", "application/json")
	if h.token != "" {
		hr.Header.Set("Authorization", "Bearer "+h.token)
	}
	started := time.Now()
	resp, err := h.client.Do(hr)
	if err != nil {
		log := fmt.Sprintf("# %s\n# POST %s\n# no answer after %d ms: %v\n\n## request\n%s\n", req.Action, h.url, time.Since(started).Milliseconds(), err, body)
		if ctx.Err() != nil {
			return Result{Log: log}, ctx.Err()
		}
		return Result{Log: log}, fmt.Errorf("the test hook %s did not answer: %v", h.url, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, MaxOutput+1))
	tooLong := len(out) > MaxOutput
	if tooLong {
		out = out[:MaxOutput]
	}
	log := fmt.Sprintf("# %s\n# POST %s\n# HTTP %d, %d ms\n\n## request\n%s\n\n## answer\n%s\n", req.Action, h.url, resp.StatusCode,
		time.Since(started).Milliseconds(), body, out)
	if err == nil && ctx.Err() != nil {
		// The deadline cut the answer; over TLS the cut read may still end as a clean EOF.
		err = ctx.Err()
	}
	if err != nil {
		return Result{Log: log}, fmt.Errorf("the test hook %s broke off its answer: %v", h.url, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Result{Log: log}, fmt.Errorf("the test hook %s answered %d: %s", h.url, resp.StatusCode, or(tail(strings.TrimSpace(string(out)), 300), "no body"))
	}
	if tooLong { // cut short, the answer is not the one the hook gave
		return Result{Log: log}, fmt.Errorf("the test hook %s answered %d with more than %d MiB; answer with the JSON object alone (docs/sut.md)", h.url, resp.StatusCode, MaxOutput>>20)
	}
	res, form := result(out)
	res.Log = log
	if form != nil {
		return res, fmt.Errorf("the test hook %s: %v", h.url, form)
	}
	return res, nil
}

// boundedBuffer keeps the first max bytes written and counts the rest.
type boundedBuffer struct {
	buf     bytes.Buffer
	max     int
	dropped int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	room := b.max - b.buf.Len()
	if room < len(p) {
		b.dropped += len(p) - max(room, 0)
		p = p[:max(room, 0)]
	}
	b.buf.Write(p)
	return n, nil
}

func (b *boundedBuffer) Bytes() []byte { return b.buf.Bytes() }

func (b *boundedBuffer) String() string {
	if b.dropped > 0 {
		return b.buf.String() + fmt.Sprintf("\n[%d more bytes not kept]\n", b.dropped)
	}
	return b.buf.String()
}

// tail is the last n bytes of s, on one line.
func tail(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = "…" + strings.ToValidUTF8(s[len(s)-n:], "")
	}
	return s
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
