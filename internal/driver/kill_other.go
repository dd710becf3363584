//go:build !unix

package driver

import "os/exec"

// killGroup leaves the command as exec.CommandContext has it: the process is killed on cancel.
func killGroup(*exec.Cmd) {}
