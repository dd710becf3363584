//go:build unix

package driver

import (
	"os/exec"
	"syscall"
)

// KillGroup makes the command the leader of its own process group and has a cancelled context
// kill the whole group, so that what a script started (curl, a browser) ends with it.
func KillGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
