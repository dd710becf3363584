//go:build !unix

package driver

import "os/exec"

// KillGroup leaves the command as exec.CommandContext has it: the process is killed on cancel.
func KillGroup(*exec.Cmd) {}
