//go:build unix

package feedback_test

import (
	"syscall"
	"testing"
)

// reportCPU reports the process's CPU time per operation when the
// returned function runs: on a shared machine it moves less than the
// wall time of ns/op.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() int64 {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return r.Utime.Nano() + r.Stime.Nano()
}
