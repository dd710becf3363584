package evidence

import "fmt"

// Mismatch is a conformance failure: a check whose expected value did not come. Steps return it
// so that the evidence shows expected and actual apart from the message.
type Mismatch struct {
	// Check names what was checked, such as "status code" or "FHIRPath Bundle.total = 1".
	Check string
	// Expected and Actual are the values, as text.
	Expected, Actual string
	// Detail adds context, such as the OperationOutcome's diagnostics.
	Detail string
}

func (m *Mismatch) Error() string {
	msg := fmt.Sprintf("%s: expected %s, got %s", m.Check, m.Expected, m.Actual)
	if m.Detail != "" {
		msg += " (" + m.Detail + ")"
	}
	return msg
}
