package testkit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

var errNoPostgres = errors.New("PostgreSQL binaries not found")

type pgServer struct {
	dir    string // owned by the server's user; holds data/, the socket, the log
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	admin  *sql.DB
	// strategy is " STRATEGY FILE_COPY" where the server has it (15+):
	// faster than the default for small databases.
	strategy string
}

func (s *pgServer) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

func startPostgres() (*pgServer, error) {
	bin, err := postgresBin()
	if err != nil {
		return nil, err
	}
	removeStaleDirs()
	dir, err := os.MkdirTemp(baseDir(), fmt.Sprintf("telegramate-pg-%d-", os.Getpid()))
	if err != nil {
		return nil, err
	}
	cred, err := serverUser(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", filepath.Join(dir, "data"),
		"-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	// A port found free can be taken before the server binds it; try again
	// on another.
	for attempt := 0; ; attempt++ {
		s, err := runPostgres(bin, dir, cred)
		if err == nil || attempt == 4 {
			if err != nil {
				os.RemoveAll(dir)
			}
			return s, err
		}
	}
}

func runPostgres(bin, dir string, cred *syscall.Credential) (*pgServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return runPostgresOn(bin, dir, cred, port)
}

// runPostgresOn starts the server of dir on port (the data folder exists).
func runPostgresOn(bin, dir string, cred *syscall.Credential, port int) (*pgServer, error) {
	logFile, err := os.OpenFile(filepath.Join(dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1",
		// Throwaway data: flushing to disk only costs time. But a commit
		// is written out of the server's memory before it is confirmed
		// (synchronous_commit, a write without fsync here): a test that
		// stops the server (an immediate shutdown, as a crash) must find
		// every confirmed commit after the restart.
		"-c", "fsync=off", "-c", "synchronous_commit=on", "-c", "full_page_writes=off",
		"-c", "max_connections=500", "-c", "shared_buffers=64MB",
		"-c", "log_min_messages=warning")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Pdeathsig stops the server with the test process even without
	// testkit.Main (SIGQUIT: immediate shutdown).
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	s := &pgServer{dir: dir, port: port, cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(s.exited) }()
	if s.admin, err = openAdmin(s.url("postgres")); err != nil {
		s.kill()
		return nil, err
	}
	if err := s.waitReady(); err != nil {
		s.kill()
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	var version int
	if err := s.admin.QueryRow("SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		s.kill()
		return nil, err
	}
	if version >= 150000 {
		s.strategy = " STRATEGY FILE_COPY"
	}
	return s, nil
}

func (s *pgServer) waitReady() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := s.admin.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("postgres exited during start-up")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after 30s: %w", err)
		}
	}
}

func (s *pgServer) kill() {
	if s.admin != nil {
		s.admin.Close()
	}
	s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *pgServer) stop() {
	s.kill()
	os.RemoveAll(s.dir)
}

// postgresBin finds the folder holding initdb and postgres.
func postgresBin() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
	for _, d := range append(dirs, found...) {
		if isFile(filepath.Join(d, "initdb")) && isFile(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errNoPostgres
}

func version(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}

// serverUser is who runs the server: PostgreSQL refuses to run as root, so
// a root test process hands dir to "postgres" (or "nobody").
func serverUser(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	var u *user.User
	var err error
	for _, name := range []string{"postgres", "nobody"} {
		if u, err = user.Lookup(name); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("running as root and no postgres or nobody user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// baseDir prefers memory to disk: even with fsync off, CREATE DATABASE
// takes ~250 ms on this project's disks and ~10 ms in /dev/shm.
func baseDir() string {
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() && syscall.Access("/dev/shm", 2 /* W_OK */) == nil {
		return "/dev/shm"
	}
	return os.TempDir()
}

// removeStaleDirs deletes the folders of servers whose test process died
// without testkit.Main.
func removeStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(baseDir(), "telegramate-pg-*-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.Split(filepath.Base(d), "-")[2])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(d)
		}
	}
}
