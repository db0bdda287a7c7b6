//go:build unix

package ollamatest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Environment variables that name the real server and model for tests.
const (
	EnvOllamaBin = "PHENORAG_OLLAMA_BIN" // path of the ollama binary
	EnvTestModel = "PHENORAG_TEST_MODEL" // absolute path of a .gguf model
)

// realStartTimeout bounds the wait for a started server to answer.
const realStartTimeout = 2 * time.Minute

// Real is an Ollama server process on a loopback port, with its own model
// folder and home directory, so a test never touches a user's models.
type Real struct {
	URL   string // base URL, http://127.0.0.1:PORT
	Model string // name of the test model on this server

	tb     testing.TB
	bin    string
	host   string // 127.0.0.1:PORT
	dir    string // models, home, logs
	cmd    *exec.Cmd
	exited chan struct{}
}

// StartRealFromEnv calls StartReal with the binary and model named by
// PHENORAG_OLLAMA_BIN and PHENORAG_TEST_MODEL.
func StartRealFromEnv(tb testing.TB) *Real {
	tb.Helper()
	return StartReal(tb, os.Getenv(EnvOllamaBin), os.Getenv(EnvTestModel))
}

// StartReal runs `bin serve` on a free loopback port with two parallel
// slots, waits until it answers, creates the model "stories" from
// modelFile, and stops the server when tb ends. It skips the test when bin
// or modelFile is empty.
func StartReal(tb testing.TB, bin, modelFile string) *Real {
	tb.Helper()
	if bin == "" || modelFile == "" {
		tb.Skipf("needs a real Ollama: set %s to the ollama binary (make ollama builds one) "+
			"and %s to the absolute path of a .gguf model", EnvOllamaBin, EnvTestModel)
	}
	for _, f := range []string{bin, modelFile} {
		if _, err := os.Stat(f); err != nil {
			tb.Fatalf("real ollama: %v", err)
		}
	}
	modelFile, err := filepath.Abs(modelFile)
	if err != nil {
		tb.Fatal(err)
	}

	host := net.JoinHostPort("127.0.0.1", strconv.Itoa(freePort(tb)))
	r := &Real{URL: "http://" + host, Model: "stories", tb: tb, bin: bin, host: host,
		dir: tb.TempDir()}
	for _, sub := range []string{"models", "home"} {
		if err := os.Mkdir(filepath.Join(r.dir, sub), 0o755); err != nil {
			tb.Fatal(err)
		}
	}
	tb.Cleanup(r.stop)
	r.start()
	r.create(modelFile)
	return r
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("real ollama: finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// env is the whole environment of the server and CLI: nothing inherited
// but PATH, so a user's OLLAMA_* settings cannot leak in.
func (r *Real) env() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(r.dir, "home"),
		"OLLAMA_HOST=" + r.host,
		"OLLAMA_MODELS=" + filepath.Join(r.dir, "models"),
		"OLLAMA_NUM_PARALLEL=2",
		"OLLAMA_NOPRUNE=1",
	}
}

// start runs the server in its own process group (the runners it spawns
// die with it) and waits until /api/version answers.
func (r *Real) start() {
	r.tb.Helper()
	logf, err := os.OpenFile(filepath.Join(r.dir, "server.log"),
		os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		r.tb.Fatal(err)
	}
	defer logf.Close() // the child holds its own copy

	cmd := exec.Command(r.bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = r.env(), logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.tb.Fatalf("real ollama: starting %s: %v", r.bin, err)
	}
	r.cmd, r.exited = cmd, make(chan struct{})
	go func(done chan struct{}) {
		cmd.Wait()
		close(done)
	}(r.exited)

	if err := r.waitReady(); err != nil {
		r.tb.Fatalf("real ollama: %v\n%s", err, r.logTail())
	}
}

// waitReady polls /api/version until it answers, the process exits, or
// realStartTimeout passes.
func (r *Real) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), realStartTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.URL+"/api/version", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-r.exited:
			return fmt.Errorf("server exited while starting")
		case <-ctx.Done():
			return fmt.Errorf("server did not answer at %s within %v", r.URL, realStartTimeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// create loads the model file into the server under r.Model.
func (r *Real) create(modelFile string) {
	r.tb.Helper()
	mf := filepath.Join(r.dir, "Modelfile")
	text := fmt.Sprintf("FROM %s\nTEMPLATE \"\"\"{{ .Prompt }}\"\"\"\n", modelFile)
	if err := os.WriteFile(mf, []byte(text), 0o644); err != nil {
		r.tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), realStartTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.bin, "create", r.Model, "-f", mf)
	cmd.Env = r.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		r.tb.Fatalf("real ollama: create %s: %v\n%s", r.Model, err, out)
	}
}

// Kill ends the server and its runners at once with SIGKILL, as a crash
// would, and waits until they are gone.
func (r *Real) Kill() {
	r.tb.Helper()
	r.signal(syscall.SIGKILL)
	<-r.exited
}

// Restart kills the server if it runs and starts it again on the same port
// with the same models.
func (r *Real) Restart() {
	r.tb.Helper()
	select {
	case <-r.exited:
	default:
		r.Kill()
	}
	r.start()
}

// signal sends sig to the server's process group.
func (r *Real) signal(sig syscall.Signal) {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	err := syscall.Kill(-r.cmd.Process.Pid, sig)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		r.tb.Errorf("real ollama: signal %v: %v", sig, err)
	}
}

// stop ends the server gently, then forcibly, and shows its log when the
// test failed.
func (r *Real) stop() {
	if r.cmd == nil {
		return
	}
	select {
	case <-r.exited:
	default:
		r.signal(syscall.SIGTERM)
		select {
		case <-r.exited:
		case <-time.After(10 * time.Second):
			r.signal(syscall.SIGKILL)
			<-r.exited
		}
	}
	// The runners are in the group too; make sure none outlives the test.
	syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	if r.tb.Failed() {
		r.tb.Logf("ollama server log (tail):\n%s", r.logTail())
	}
}

// logTail returns the last few kilobytes of the server log.
func (r *Real) logTail() string {
	b, err := os.ReadFile(filepath.Join(r.dir, "server.log"))
	if err != nil {
		return err.Error()
	}
	const keep = 4096
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}
