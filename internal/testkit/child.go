package testkit

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"testing"
)

// StartChild runs this test binary again as a child process, with no test
// selected and env set to conf as JSON: the package's TestMain sees env and
// plays the child (a node to kill mid-work, say). The child is killed when
// the test ends (a test may kill it sooner). Each line it prints is given
// to onLine, which can watch for a step and says whether the line goes to
// the test log (false for progress chatter); nil logs every line.
func StartChild(t testing.TB, env string, conf any, onLine func(line string) (log bool)) *exec.Cmd {
	t.Helper()
	cmd, _ := startChild(t, env, conf, onLine, false)
	return cmd
}

// StartChildWithInput is StartChild with a pipe to the child's standard
// input, for a test that tells the child what to do and when (start a
// campaign in the child, as a person would on the node that sends it).
func StartChildWithInput(t testing.TB, env string, conf any, onLine func(line string) (log bool)) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	return startChild(t, env, conf, onLine, true)
}

func startChild(t testing.TB, env string, conf any, onLine func(line string) (log bool), input bool) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	confJSON, err := json.Marshal(conf)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+string(confJSON))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	var in io.WriteCloser
	if input {
		if in, err = cmd.StdinPipe(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if onLine == nil || onLine(sc.Text()) {
				t.Log("child:", sc.Text())
			}
		}
	}()
	return cmd, in
}
