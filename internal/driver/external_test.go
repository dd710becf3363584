package driver

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/konform/konform/internal/hostile"
)

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sut.sh")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

var create = Action{Name: "skapa förskrivning", Params: map[string]string{"patient": "189001019802", "mall": "forskrivning.json"}}

func xctx() Context {
	return Context{RunID: "run-1", Gateway: "https://127.0.0.1:9443/fhir", Env: map[string]string{"KONFORM_GATEWAY_CA": "/certs/ca.pem"},
		Users:    func(role string) map[string]string { return map[string]string{"authorization": "Bearer " + role} },
		TestData: map[string]string{"article.nplpackid": "20110119100011"}}
}

// TestCommandGetsTheActionEveryWay runs a real program: the placeholders of its argv, the request
// as JSON on stdin and the KONFORM_* variables all carry the action, and its JSON stdout is the
// result; the log keeps stdin, stdout and stderr.
func TestCommandGetsTheActionEveryWay(t *testing.T) {
	t.Setenv("KONFORM_CERT_PASSWORD", "hemligt-lösenord")
	out := filepath.Join(t.TempDir(), "seen")
	prog := script(t, `cat > "`+out+`.json"
printf '%s|%s|%s|%s|%s|%s|%s' "$1" "$2" "$KONFORM_PARAM_PATIENT" "$KONFORM_ACTION" "$KONFORM_USER_AUTHORIZATION" "$KONFORM_GATEWAY_CA" "$KONFORM_TESTDATA_ARTICLE_NPLPACKID" > "`+out+`.args"
echo "working on it ${KONFORM_CERT_PASSWORD:-}" >&2
echo '{"status": 201, "shown": "Förskrivningen är registrerad", "values": {"id": "mr-1"}}'
`)
	c, err := NewCommand([]string{prog, "{{action}}", "{{patient.pnr}}/{{template}}/{{run.id}}"}, "", xctx())
	if err != nil {
		t.Fatal(err)
	}
	c.Reset()
	c.Scenario("SUT-VARD-01", "Förskrivaren skapar")
	res, err := c.Act(context.Background(), create)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 201 || res.Values["id"] != "mr-1" || res.Shown != "Förskrivningen är registrerad" {
		t.Errorf("result %+v", res)
	}
	if strings.Contains(res.Log, "hemligt") {
		t.Error("the command saw konform's certificate password")
	}
	args, _ := os.ReadFile(out + ".args")
	if want := "skapa förskrivning|189001019802/forskrivning.json/run-1|189001019802|skapa förskrivning|Bearer förskrivare|/certs/ca.pem|20110119100011"; string(args) != want {
		t.Errorf("the program saw %q, want %q", args, want)
	}
	var req Request
	data, _ := os.ReadFile(out + ".json")
	if err := json.Unmarshal(data, &req); err != nil || req.Action != "skapa förskrivning" || req.Params["mall"] != "forskrivning.json" ||
		req.Case != "SUT-VARD-01" || req.Role != "förskrivare" || req.Session != "run-1-1" || req.Gateway != "https://127.0.0.1:9443/fhir" ||
		req.TestData["article.nplpackid"] != "20110119100011" {
		t.Errorf("stdin %s (%v)", data, err)
	}
	for _, want := range []string{"## stdin", `"action":"skapa förskrivning"`, "## stdout", `"id": "mr-1"`, "## stderr", "working on it", "exit 0"} {
		if !strings.Contains(res.Log, want) {
			t.Errorf("the log lacks %q:\n%s", want, res.Log)
		}
	}
}

// TestCommandFailuresAreErrorsThatSayWhy: not found, not executable, a non-zero exit (with the
// end of stderr), a hang past the action's deadline, and text that is not JSON.
func TestCommandFailuresAreErrorsThatSayWhy(t *testing.T) {
	notExec := filepath.Join(t.TempDir(), "plain.sh")
	os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644)
	for name, c := range map[string]struct {
		argv []string
		want string
	}{
		"not found":                  {[]string{filepath.Join(t.TempDir(), "missing.sh")}, "was not found"},
		"not executable":             {[]string{notExec}, "not executable"},
		"exit 3":                     {[]string{script(t, "echo 'NLL svarade 500' >&2\nexit 3\n")}, "exited 3: NLL svarade 500"},
		"no such action":             {[]string{script(t, "exit 0\n")}, "unknown action"},
		"killed":                     {[]string{script(t, "kill -SEGV $$\n")}, "was killed by signal 11 (segmentation fault)"},
		"status as text":             {[]string{script(t, "echo '{\"status\": \"422\"}'\n")}, "the answer is JSON but not in the driver's form"},
		"exit 1, answer on stdout":   {[]string{script(t, "echo '{\"status\": 500}'\nexit 1\n")}, `exited 1: no output on stderr; stdout: {"status": 500}`},
		"megabytes of log on stdout": {[]string{script(t, "head -c 2000000 /dev/zero | tr '\\0' x\necho\necho '{\"status\": 201}'\n")}, "printed more than 1 MiB on stdout"},
		"a child holds stdout":       {[]string{script(t, "(sleep 5; echo late) &\necho '{\"status\": 201}'\n")}, "exited 0, but a process it started kept its stdout or stderr open"},
	} {
		t.Run(name, func(t *testing.T) {
			cmd, err := NewCommand(c.argv, "", xctx())
			if err != nil {
				t.Fatal(err)
			}
			a := create
			if name == "no such action" {
				a = Action{Name: "radera allt"}
			}
			_, err = cmd.Act(context.Background(), a)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one with %q", err, c.want)
			}
		})
	}
	t.Run("hang", func(t *testing.T) {
		pidFile := filepath.Join(t.TempDir(), "child.pid")
		cmd, _ := NewCommand([]string{script(t, "sleep 30 &\necho $! > "+pidFile+"\nwait\n")}, "", xctx())
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		if _, err := cmd.Act(ctx, create); err == nil {
			t.Fatal("a hanging command is no error")
		}
		pid, err := os.ReadFile(pidFile)
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
		deadline := time.Now().Add(5 * time.Second)
		for syscall.Kill(n, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if syscall.Kill(n, 0) == nil {
			syscall.Kill(n, syscall.SIGKILL)
			t.Fatal("the command's child outlived the action: the process group was not killed")
		}
	})
	t.Run("log lines before the answer", func(t *testing.T) {
		cmd, _ := NewCommand([]string{script(t, "echo 'INFO journal: action done {\"status\": 1}'\necho '{\"status\": 422, \"shown\": \"Avvisad\"}'\n")}, "", xctx())
		res, err := cmd.Act(context.Background(), create)
		if err != nil || res.Status != 422 || res.Shown != "Avvisad" {
			t.Fatalf("%+v %v; want the last line read as the answer", res, err)
		}
	})
	t.Run("plain text", func(t *testing.T) {
		cmd, _ := NewCommand([]string{script(t, "echo done\n")}, "", xctx())
		res, err := cmd.Act(context.Background(), create)
		if err != nil || res.Shown != "done" || res.Status != 0 {
			t.Fatalf("%+v %v", res, err)
		}
	})
}

func TestCheckArgv(t *testing.T) {
	for argv, want := range map[string]string{"": "needs a program", "x {{förskrivning}} {{case}}": "", "x {{patinet}}": "unknown placeholder {{patinet}}"} {
		err := CheckArgv(strings.Fields(argv))
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", argv, err, want)
		}
	}
}

// TestHookPostsTheActionAndReadsTheAnswer runs a test hook on loopback: the request as JSON with
// the bearer token, a 2xx JSON answer as the result, and a 5xx, a refused connection and a hang
// as errors.
func TestHookPostsTheActionAndReadsTheAnswer(t *testing.T) {
	var got Request
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/broken":
			http.Error(w, "the system is down", http.StatusInternalServerError)
			return
		case "/slow":
			time.Sleep(2 * time.Second)
		}
		auth = r.Header.Get("Authorization")
		body, _ := io.ReadAll(r.Body)
		json.Unmarshal(body, &got)
		w.Write([]byte(`{"status": 422, "shown": "Förskrivningen avvisades"}`))
	}))
	defer srv.Close()
	h := NewHook(srv.URL+"/hook", "s3cret", srv.Client(), xctx())
	res, err := h.Act(context.Background(), create)
	if err != nil || res.Status != 422 || res.Shown != "Förskrivningen avvisades" {
		t.Fatalf("%+v %v", res, err)
	}
	if auth != "Bearer s3cret" || got.Action != "skapa förskrivning" || got.Params["patient"] != "189001019802" || got.User["authorization"] != "Bearer förskrivare" {
		t.Errorf("the hook got %+v with %q", got, auth)
	}
	if !strings.Contains(res.Log, "HTTP 200") || !strings.Contains(res.Log, "Förskrivningen avvisades") {
		t.Errorf("log:\n%s", res.Log)
	}
	if _, err := NewHook(srv.URL+"/broken", "", srv.Client(), xctx()).Act(context.Background(), create); err == nil || !strings.Contains(err.Error(), "answered 500: the system is down") {
		t.Errorf("a 500: %v", err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	if _, err := NewHook(closed.URL, "", closed.Client(), xctx()).Act(context.Background(), create); err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Errorf("a refused connection: %v", err)
	}
	endless := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status": 201, "shown": "`))
		for range 2 * MaxOutput / 4096 {
			w.Write([]byte(strings.Repeat("x", 4096)))
		}
	}))
	defer endless.Close()
	if _, err := NewHook(endless.URL, "", endless.Client(), xctx()).Act(context.Background(), create); err == nil || !strings.Contains(err.Error(), "more than 1 MiB") {
		t.Errorf("an answer over MaxOutput: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if res, err := NewHook(srv.URL+"/slow", "", srv.Client(), xctx()).Act(ctx, create); err == nil || !strings.Contains(res.Log, "# no answer after") {
		t.Errorf("a hook that hangs past the deadline: %v, log %q", err, res.Log)
	}
}

// TestHookAnswerCutByTheDeadlineIsAnError: a hook that sends its JSON and then never ends the
// answer has not answered, however often the deadline's cut read ends as a clean EOF (net/http).
func TestHookAnswerCutByTheDeadlineIsAnError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(hostile.NeverEnding("", `{"status": 201, "shown": "Förskrivningen skapades"}`, 5*time.Millisecond))
	defer srv.Close()
	for range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		_, err := NewHook(srv.URL, "", srv.Client(), xctx()).Act(ctx, create)
		cancel()
		if err == nil {
			t.Fatal("an answer that never ended is taken as the hook's answer")
		}
	}
}
